// The one implementation of MilensApi. Each product area contributes its calls from its own module;
// the object type below makes a missing call a compile error.
import type { MilensApi } from '../api/contract.js';
import { CoreContext, type CoreOptions } from './context.js';
import { systemCalls } from './system-calls.js';
import { tableCalls } from './table-calls.js';
import { collectionCalls } from './collection-calls.js';
import { modelCalls } from './model-calls.js';

export interface MilensCore {
  api: MilensApi;
  context: CoreContext;
  close(): void;
}

export function createMilensCore(options: CoreOptions = {}): MilensCore {
  const context = new CoreContext(options);
  const api: MilensApi = {
    ...systemCalls(context),
    ...tableCalls(context),
    ...collectionCalls(context),
    ...modelCalls(context),
  };
  return { api, context, close: () => context.close() };
}

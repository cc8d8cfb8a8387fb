// The one implementation of MilensApi. Each product area contributes its calls from its own module,
// loaded on the first call into that area: a command that only estimates MI never loads the text
// extractors, the file watcher or the model downloader, which keeps every CLI start fast.
// The method lists below are Records over each area's own type, so a call that an area adds without
// listing it here (or a call no area provides) is a compile error.
import type { ApiMethod, MilensApi } from '../api/contract.js';
import { CoreContext, type CoreOptions } from './context.js';
import { systemCalls } from './system-calls.js';
import type { collectionCalls } from './collection-calls.js';
import type { modelCalls } from './model-calls.js';
import type { tableCalls } from './table-calls.js';
import type { benchCalls } from './bench-calls.js';

export interface MilensCore {
  api: MilensApi;
  context: CoreContext;
  /** Closes the database and releases the model sessions the core opened (photo search's embedders). */
  close(): Promise<void>;
}

type AreaFactory<K extends ApiMethod> = (context: CoreContext) => Pick<MilensApi, K>;
type MethodsOf<F extends (context: CoreContext) => object> = Record<keyof ReturnType<F>, true>;

const TABLE_METHODS: MethodsOf<typeof tableCalls> = { estimateMi: true, selectFeatures: true, describeTable: true };
const COLLECTION_METHODS: MethodsOf<typeof collectionCalls> = {
  listCollections: true,
  addCollection: true,
  removeCollection: true,
  indexCollection: true,
  search: true,
};
const MODEL_METHODS: MethodsOf<typeof modelCalls> = { listModels: true, downloadModel: true, importModel: true };
const BENCH_METHODS: MethodsOf<typeof benchCalls> = { runBenchmark: true };

/** The calls of one area, each loading the area's module on first use and then delegating to it. */
function lazyArea<K extends ApiMethod>(
  context: CoreContext,
  methods: Record<K, true>,
  load: () => Promise<AreaFactory<K>>,
): Pick<MilensApi, K> {
  let area: Promise<Pick<MilensApi, K>> | undefined;
  const loaded = () => (area ??= load().then((factory) => factory(context)));
  const calls: Partial<Record<K, unknown>> = {};
  for (const method of Object.keys(methods) as K[]) {
    calls[method] = async (...args: unknown[]) => {
      const implementation = (await loaded())[method] as (...parameters: unknown[]) => Promise<unknown>;
      return implementation(...args);
    };
  }
  return calls as Pick<MilensApi, K>;
}

export function createMilensCore(options: CoreOptions = {}): MilensCore {
  const context = new CoreContext(options);
  const api: MilensApi = {
    ...systemCalls(context),
    ...lazyArea(context, TABLE_METHODS, async () => (await import('./table-calls.js')).tableCalls),
    ...lazyArea(context, COLLECTION_METHODS, async () => (await import('./collection-calls.js')).collectionCalls),
    ...lazyArea(context, MODEL_METHODS, async () => (await import('./model-calls.js')).modelCalls),
    ...lazyArea(context, BENCH_METHODS, async () => (await import('./bench-calls.js')).benchCalls),
  };
  return { api, context, close: () => context.close() };
}

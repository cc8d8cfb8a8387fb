// System calls: which compute backends exist, and the doctor's report.
import type { MilensApi } from '../api/contract.js';
import { describeBackends } from '../system/backends.js';
import { runDoctor } from '../system/doctor.js';
import type { CoreContext } from './context.js';

export function systemCalls(context: CoreContext): Pick<MilensApi, 'listBackends' | 'doctor'> {
  return {
    listBackends: () => describeBackends(),
    doctor: () => runDoctor(context),
  };
}

// System calls: which compute backends exist, and the doctor's report.
// Both load their modules on first call (the doctor's probes import much of Node), like the other areas.
import type { MilensApi } from '../api/contract.js';
import type { CoreContext } from './context.js';

export function systemCalls(context: CoreContext): Pick<MilensApi, 'listBackends' | 'doctor'> {
  return {
    listBackends: async () => (await import('../system/backends.js')).describeBackends(),
    doctor: async () => (await import('../system/doctor.js')).runDoctor(context),
  };
}

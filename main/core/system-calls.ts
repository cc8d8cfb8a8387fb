// System calls: which compute backends exist, the doctor's report, and cancelling a long job.
// Both load their modules on first call (the doctor's probes import much of Node), like the other areas.
import type { MilensApi } from '../api/contract.js';
import type { CoreContext } from './context.js';

export function systemCalls(context: CoreContext): Pick<MilensApi, 'listBackends' | 'doctor' | 'cancelJob'> {
  return {
    listBackends: async () => (await import('../system/backends.js')).describeBackends(),
    doctor: async () => (await import('../system/doctor.js')).runDoctor(context),
    cancelJob: async (jobId: string) => context.jobs.cancel(jobId),
  };
}

// Long jobs seen by this window: the latest `jobProgress` event of each job id, so any view can show a
// progress bar with a rate and the time left, and cancel through `cancelJob`.
import type { JobProgressEvent } from '../../../main/api/contract.js';
import type { MilensClient } from '../lib/api-client.js';

export class JobsState {
  progress = $state<Record<string, JobProgressEvent>>({});

  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
  }

  listen(): () => void {
    return this.client.on('jobProgress', (event) => {
      if (event.finished) delete this.progress[event.jobId];
      else this.progress[event.jobId] = event;
    });
  }

  of(jobId: string | null): JobProgressEvent | null {
    return jobId === null ? null : (this.progress[jobId] ?? null);
  }

  /** Asks the core to stop the job; true when it was still running. */
  async cancel(jobId: string): Promise<boolean> {
    try {
      return (await this.client.api.cancelJob(jobId)).cancelled;
    } catch {
      return false;
    }
  }
}

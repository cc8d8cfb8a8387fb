// State of the Benchmarks view: a `milens bench` report, either run from here (runBenchmark as a job,
// with progress and cancel; "quick" runs the small sizes, labelled as such) or opened from a saved
// `milens bench --json` file (read in the page; nothing is uploaded).
import type { BenchReport } from '../../../main/api/contract.js';
import { asApiCallError } from '../lib/api-error.js';
import type { MilensClient } from '../lib/api-client.js';
import { benchRows, parseBenchReport } from '../lib/bench-report.js';
import { newJobId } from '../lib/job-id.js';

export class BenchmarksState {
  report = $state<BenchReport | null>(null);
  /** Where the report came from, in words. */
  origin = $state('');
  error = $state<string | null>(null);
  job = $state<string | null>(null);
  cancelled = $state(false);

  readonly rows = $derived(this.report ? benchRows(this.report) : []);
  readonly running = $derived(this.job !== null);

  private readonly client: MilensClient;

  constructor(client: MilensClient) {
    this.client = client;
  }

  async open(file: File): Promise<void> {
    try {
      this.report = parseBenchReport(await file.text());
      this.origin = file.name;
      this.error = null;
    } catch (error) {
      this.report = null;
      this.error = `${file.name} could not be read. ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async run(size: 'small' | 'full'): Promise<void> {
    if (this.job) return;
    const jobId = newJobId('bench');
    this.job = jobId;
    this.cancelled = false;
    try {
      this.report = await this.client.api.runBenchmark({ size, jobId });
      this.origin = size === 'small' ? 'a quick run on small data, just now' : 'a full run, just now';
      this.error = null;
    } catch (error) {
      const failure = asApiCallError('runBenchmark', error);
      if (failure.code === 'CANCELLED') this.cancelled = true;
      else this.error = `The benchmark failed: ${failure.message}`;
    } finally {
      this.job = null;
    }
  }

  async cancel(): Promise<void> {
    if (this.job) await this.client.api.cancelJob(this.job).catch(() => undefined);
  }
}

// State of the Benchmarks view: a report of `milens bench --json`, opened from a file the person picks
// (read in the page; nothing is uploaded), and what went wrong reading it.
import { parseBenchReport, type BenchReport } from '../lib/bench-report.js';

export class BenchmarksState {
  report = $state<BenchReport | null>(null);
  fileName = $state('');
  error = $state<string | null>(null);

  readonly hasEnergy = $derived(this.report?.operations.some((operation) => operation.energyJoules !== null) ?? false);

  async open(file: File): Promise<void> {
    this.fileName = file.name;
    try {
      this.report = parseBenchReport(await file.text());
      this.error = null;
    } catch (error) {
      this.report = null;
      this.error = error instanceof Error ? error.message : String(error);
    }
  }
}

// Permutation p-values for `milens mi --permutations N`, with Besag & Clifford's (1991) sequential stop:
// a feature's test ends as soon as h shuffles have reached its observed MI (its answer is settled: the
// p-value is large), instead of always running all N. Shuffle i of a target is seeded from (seed,
// target, i) alone, so a feature sees the same shuffles whichever other features share its kernel calls.
//
// The shuffles of one estimation job (features sharing the same rows) run in batches: each batch goes to
// the backend in one call (for KSG, ksgPermutationMeans: no re-sorting, every core busy), then every
// feature still running takes the batch's results in order, stopping at its h-th exceedance. The outcome
// is therefore exactly that of running the shuffles one at a time.
//
// p-values (docs/mi.md, "Permutation p-values"):
// - stopped after l shuffles with h exceedances: p = h / l;
// - all N run with g < h exceedances: p = (1 + g) / (N + 1), the usual permutation p-value.
// Both are valid (P(p ≤ α) ≤ α under the null hypothesis of independence, for every α); with h = 0
// (`stopAfterExceedances: 0`) every feature runs all N shuffles.

/** Besag–Clifford's h: how many shuffles at or above the observed MI end a feature's test. */
export const DEFAULT_STOP_AFTER_EXCEEDANCES = 10;

/** Shuffles handed to one backend call at most (the memory cap below may lower it). */
const MAX_BATCH = 64;
/** Memory the shuffled copies of one batch may take (a KSG shuffle keeps ~48 bytes per row). */
const BATCH_BYTES = 256 * 1024 * 1024;

export interface PermutationJob {
  /** Rows the estimator sees (for the batch's memory cap). */
  rows: number;
  /**
   * Observed MI estimate per feature of the job, not clipped at 0: the test compares raw estimates, so
   * that under the null the clipped zeros (often half of them) do not tie and pile the p-values at 1.
   */
  observed: number[];
  /**
   * MI (not clipped) of the features at `positions` against the target shuffled by each seed:
   * result[s][j] for seeds[s] and positions[j]; null when `signal` aborted.
   */
  shuffled(positions: number[], seeds: number[], signal?: AbortSignal): Promise<number[][] | null>;
}

export interface PermutationOutcome {
  pValue: number;
  /** Shuffles this feature's test used (N unless it stopped early). */
  permutationsRun: number;
  exceedances: number;
  stoppedEarly: boolean;
}

export interface PermutationRun {
  permutations: number;
  /** h; 0 runs all N shuffles for every feature. */
  stopAfterExceedances: number;
  seedOf(permutation: number): number;
  signal?: AbortSignal;
  /** Throws when the work was cancelled (called between batches). */
  throwIfCancelled?(): void;
  /**
   * After each batch: `ran` shuffles done (summed over the job's features) and `skipped` shuffles no
   * longer needed by features that stopped; `running` is each feature's current state.
   */
  onBatch?(ran: number, skipped: number, running: PermutationOutcome[]): void;
}

/** The p-value of a test in its current state (final once it stopped or ran all N). */
export function permutationPValue(exceedances: number, permutationsRun: number, stoppedEarly: boolean): number {
  return stoppedEarly ? exceedances / permutationsRun : (1 + exceedances) / (1 + permutationsRun);
}

/** Runs one job's permutation tests; one outcome per feature of the job, in the job's order. */
export async function permutationTests(job: PermutationJob, run: PermutationRun): Promise<PermutationOutcome[]> {
  const { permutations, stopAfterExceedances: h } = run;
  const outcomes: PermutationOutcome[] = job.observed.map(() => ({ pValue: 1, permutationsRun: 0, exceedances: 0, stoppedEarly: false }));
  const cap = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_BYTES / (48 * Math.max(1, job.rows)))));
  let next = 0;
  let batch = Math.min(cap, Math.max(8, h));
  for (;;) {
    const active = outcomes.map((_, position) => position).filter((position) => !outcomes[position]!.stoppedEarly);
    if (active.length === 0 || next >= permutations) break;
    run.throwIfCancelled?.();
    const count = Math.min(batch, permutations - next);
    const seeds = Array.from({ length: count }, (_, s) => run.seedOf(next + s));
    const results = await job.shuffled(active, seeds, run.signal);
    run.throwIfCancelled?.();
    if (results === null) throw new Error('permutation batch aborted without a cancellation check');
    let ran = 0,
      skipped = 0;
    active.forEach((position, j) => {
      const outcome = outcomes[position]!;
      for (let s = 0; s < count; s++) {
        outcome.permutationsRun++;
        ran++;
        if (results[s]![j]! >= job.observed[position]!) outcome.exceedances++;
        if (h > 0 && outcome.exceedances >= h) {
          outcome.stoppedEarly = true;
          skipped += permutations - outcome.permutationsRun;
          break;
        }
      }
      outcome.pValue = permutationPValue(outcome.exceedances, outcome.permutationsRun, outcome.stoppedEarly);
    });
    next += count;
    batch = Math.min(cap, 2 * batch);
    run.onBatch?.(ran, skipped, outcomes);
  }
  return outcomes;
}

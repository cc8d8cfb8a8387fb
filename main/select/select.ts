// Greedy information-theoretic feature selection (Brown, Pocock, Zhao & Luján 2012, "Conditional
// likelihood maximisation"), in the form that separates relevance from interaction:
//   mRMR (difference): J(Xk) = I(Xk;Y) − mean_{j∈S} I(Xk;Xj)
//   JMI:               J(Xk) = I(Xk;Y) − mean_{j∈S} [I(Xk;Xj) − I(Xk;Xj|Y)]
//   CMIM:              J(Xk) = I(Xk;Y) − max_{j∈S}  [I(Xk;Xj) − I(Xk;Xj|Y)]
// (JMI's Σ_j I(XkXj;Y) and CMIM's min_j I(Xk;Y|Xj) rank candidates identically; Brown et al. eqs. 17–18.)
// Relevance I(Xk;Y) comes from the MI engine (KSG / Ross / plug-in, exactly what `milens mi` reports).
// The interaction terms use Miller–Madow plug-in estimates on equal-frequency codes (./discretise.ts):
// 500 candidates × 20 steps of 3-way kNN estimates would take minutes, while a 3-way table of 10,000
// rows takes microseconds; the bias of binning is shared by every candidate, and the relevance that
// dominates the first picks is unbinned. Each step updates running sums / maxima against the feature
// picked last, so a step costs one 3-way table per remaining candidate.
import type { SelectReport, SelectionMethod } from '../api/contract.js';
import { invalidArgument, outOfRange } from '../api/errors.js';
import type { ComputeBackend } from '../compute/kernels.js';
import { combineCodes } from '../mi/discrete.js';
import { estimateMutualInformation, type MiEngineOptions } from '../mi/estimate.js';
import { resolveColumns } from '../mi/columns-resolve.js';
import type { Table, TableColumn } from '../table/columns.js';
import { binCount, codesWithMissingLevel, equalFrequencyCodes, type Codes } from './discretise.js';
import { codeEntropy, InteractionScratch, interactionTerms } from './interaction.js';
import { codesOfNumbers } from '../mi/variables.js';
import type { ColumnKind } from '../api/contract.js';

export const SELECTION_METHODS: readonly SelectionMethod[] = ['mrmr', 'jmi', 'cmim'];

export interface SelectionOptions extends Omit<MiEngineOptions, 'permutations' | 'unit' | 'correlations'> {
  method: SelectionMethod;
  count: number;
}

function codesOf(column: TableColumn, kind: ColumnKind, bins: number): Codes {
  if (column.type === 'text') return codesWithMissingLevel(column.codes);
  if (kind === 'discrete') return codesWithMissingLevel(codesOfNumbers(column.values).codes);
  return equalFrequencyCodes(column.values, bins);
}

function keepRows(codes: Codes, rows: Int32Array | null): Codes {
  if (!rows) return codes;
  return { codes: Int32Array.from(rows, (row) => codes.codes[row]!), levels: codes.levels };
}

export async function selectFeatures(
  compute: ComputeBackend,
  table: Table,
  targetName: string,
  options: SelectionOptions,
): Promise<SelectReport & { warnings: string[] }> {
  if (!SELECTION_METHODS.includes(options.method)) {
    throw invalidArgument(`Unknown selection method "${options.method}": expected mrmr, jmi or cmim`, { argument: 'method' });
  }
  if (!Number.isInteger(options.count) || options.count < 1) throw outOfRange('count', 'an integer of at least 1', options.count);
  const resolved = resolveColumns(table, targetName, options);
  const warnings: string[] = [];
  // Throws for a target with fewer than 2 present rows (requirePresentTarget), before any table is built.
  // Its progress (estimates of relevance) comes first; the picks then count from 1 to `count`.
  const relevanceReport = await estimateMutualInformation(compute, table, targetName, {
    ...options,
    correlations: false,
    permutations: 0,
    unit: 'nats',
  });
  warnings.push(...relevanceReport.warnings);
  const relevanceByName = new Map(relevanceReport.features.map((feature) => [feature.name, feature.mi]));

  // Rows where the target is present; the interaction terms use them all (missing features get a level).
  const bins = binCount(table.rowCount);
  const targetFull =
    resolved.targetKind === 'discrete' || resolved.target.type === 'text'
      ? codesOf(resolved.target, 'discrete', bins)
      : codesOf(resolved.target, 'continuous', bins);
  const missingTargetLevel = targetFull.levels - 1;
  const targetHasMissing =
    resolved.target.type === 'text' ? resolved.target.codes.some((c) => c < 0) : resolved.target.values.some((v) => v !== v);
  const rows = targetHasMissing
    ? Int32Array.from(Array.from(targetFull.codes.keys()).filter((row) => targetFull.codes[row] !== missingTargetLevel))
    : null;
  const y = keepRows(targetFull, rows);

  const candidates = resolved.features.map(({ column, kind }) => {
    const codes = keepRows(codesOf(column, kind, bins), rows);
    const withTarget = combineCodes(codes.codes, y.codes, codes.levels, y.levels);
    return {
      name: column.name,
      codes,
      relevance: relevanceByName.get(column.name) ?? 0,
      entropy: codeEntropy(codes.codes, codes.levels),
      entropyWithTarget: codeEntropy(withTarget.codes, withTarget.levels),
      penaltySum: 0,
      penaltyMax: -Infinity,
      chosen: false,
    };
  });
  const targetEntropy = codeEntropy(y.codes, y.levels);

  let count = options.count;
  if (count > candidates.length) {
    warnings.push(`--count ${count} is more than the ${candidates.length} feature columns; all are ranked`);
    count = candidates.length;
  }
  const selected: Array<{ name: string; score: number }> = [];
  const scratch = new InteractionScratch();
  let last: (typeof candidates)[number] | undefined;
  for (let step = 0; step < count; step++) {
    options.throwIfCancelled?.();
    if (last) {
      for (const candidate of candidates) {
        if (candidate.chosen) continue;
        const terms = interactionTerms(
          candidate.codes.codes,
          candidate.codes.levels,
          last.codes.codes,
          last.codes.levels,
          y.codes,
          y.levels,
          {
            a: candidate.entropy,
            b: last.entropy,
            ay: candidate.entropyWithTarget,
            by: last.entropyWithTarget,
            y: targetEntropy,
          },
          scratch,
        );
        const penalty = options.method === 'mrmr' ? terms.redundancy : terms.redundancy - terms.conditionalRedundancy;
        candidate.penaltySum += penalty;
        candidate.penaltyMax = Math.max(candidate.penaltyMax, penalty);
      }
    }
    let best: (typeof candidates)[number] | undefined;
    let bestScore = -Infinity;
    for (const candidate of candidates) {
      if (candidate.chosen) continue;
      const score =
        step === 0
          ? candidate.relevance
          : options.method === 'cmim'
            ? candidate.relevance - candidate.penaltyMax
            : candidate.relevance - candidate.penaltySum / step;
      // Ties go to the earlier column, so the order is deterministic.
      if (score > bestScore) {
        bestScore = score;
        best = candidate;
      }
    }
    // No candidate with a comparable score (NaN everywhere): stop rather than dereference nothing.
    if (!best) break;
    best.chosen = true;
    selected.push({ name: best.name, score: bestScore });
    last = best;
    options.onProgress?.(step + 1, count, `picked ${best.name}`);
  }
  return { method: options.method, target: resolved.target.name, unit: 'nats', selected, warnings };
}

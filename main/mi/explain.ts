// The confounder check of `milens mi … --explain`: is a feature's dependence on the target real, or
// explained by another column? For each feature X with I(X;Y) > 0 it finds, among the other columns, the
// Z that minimises I(X;Y|Z) and reports it with I(X;Y|Z), the share of I(X;Y) it removes and (with
// permutations) the conditional permutation p-value of I(X;Y|Z) (./conditional-estimate.ts).
//
// A Z can only explain I(X;Y) if it depends on both, so candidates are pre-screened, which bounds the
// cost (docs/mi.md):
//   1. the pool: the EXPLAIN_POOL columns with the highest I(Z;Y) > 0 (already in the plain report);
//   2. per feature, the EXPLAIN_CANDIDATES pool columns with the highest I(X;Z) > 0 (one batched
//      estimate with X as the target: at most EXPLAIN_POOL pairs);
//   3. I(X;Y|Z) for those candidates (one conditional estimate per distinct Z, features batched);
//   4. with permutations, the conditional permutation test for the best Z only.
// Total: F × (EXPLAIN_POOL + EXPLAIN_CANDIDATES) estimates plus F × permutations conditional ones,
// linear in the number of features F instead of F².
import type { MiExplanation, MiReport } from '../api/contract.js';
import type { ComputeBackend } from '../compute/kernels.js';
import type { Table } from '../table/columns.js';
import { estimateConditionalMutualInformation } from './conditional-estimate.js';
import { estimateMutualInformation, NATS_PER_BIT, toUnit, type MiEngineOptions } from './estimate.js';

/** Columns most informative about the target that may explain a feature (step 1). */
export const EXPLAIN_POOL = 20;
/** Of those, the ones most informative about the feature whose I(X;Y|Z) is estimated (step 2). */
export const EXPLAIN_CANDIDATES = 5;

type ExplainOptions = Omit<MiEngineOptions, 'features' | 'onProgress'> & { features?: string[] };

/** Adds `explainedBy` to the features of a plain (unconditional) report; returns the same report. */
export async function explainDependence(
  compute: ComputeBackend,
  table: Table,
  report: MiReport,
  options: ExplainOptions = {},
): Promise<MiReport> {
  const permutations = options.permutations ?? 0;
  const toNats = (value: number) => (report.unit === 'bits' ? value * NATS_PER_BIT : value);
  const base: MiEngineOptions = {
    ...(options.k !== undefined ? { k: options.k } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.discreteEstimator !== undefined ? { discreteEstimator: options.discreteEstimator } : {}),
    ...(options.discrete !== undefined ? { discrete: options.discrete } : {}),
    ...(options.continuous !== undefined ? { continuous: options.continuous } : {}),
    unit: 'nats',
    correlations: false,
  };
  const informative = report.features.filter((feature) => feature.mi > 0);
  const pool = informative.slice(0, EXPLAIN_POOL).map((feature) => feature.name);

  // Step 2: per feature, the pool columns that share the most information with it.
  const candidatesOf = new Map<string, string[]>();
  for (const feature of informative) {
    const others = pool.filter((name) => name !== feature.name);
    if (others.length === 0) continue;
    const withFeature = await estimateMutualInformation(compute, table, feature.name, {
      ...base,
      targetKind: feature.kind,
      features: others,
    });
    const candidates = withFeature.features
      .filter((entry) => entry.mi > 0)
      .slice(0, EXPLAIN_CANDIDATES)
      .map((entry) => entry.name);
    if (candidates.length > 0) candidatesOf.set(feature.name, candidates);
  }

  // Step 3: I(X;Y|Z) for every (feature, candidate), one conditional run per distinct candidate.
  const featuresByCandidate = new Map<string, string[]>();
  for (const [feature, candidates] of candidatesOf) {
    for (const candidate of candidates) featuresByCandidate.set(candidate, [...(featuresByCandidate.get(candidate) ?? []), feature]);
  }
  const conditional = { ...base, targetKind: report.targetKind };
  const best = new Map<string, { column: string; cmiNats: number }>();
  for (const [candidate, featureNames] of [...featuresByCandidate].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const result = await estimateConditionalMutualInformation(compute, table, report.target, candidate, {
      ...conditional,
      features: featureNames,
    });
    for (const entry of result.features) {
      const current = best.get(entry.name);
      if (!current || entry.mi < current.cmiNats) best.set(entry.name, { column: candidate, cmiNats: entry.mi });
    }
  }

  // Step 4: the conditional permutation test for each feature's best candidate.
  const pValues = new Map<string, number | null>();
  if (permutations > 0) {
    const featuresByBest = new Map<string, string[]>();
    for (const [feature, { column }] of best) featuresByBest.set(column, [...(featuresByBest.get(column) ?? []), feature]);
    for (const [column, featureNames] of featuresByBest) {
      const result = await estimateConditionalMutualInformation(compute, table, report.target, column, {
        ...conditional,
        features: featureNames,
        permutations,
      });
      for (const entry of result.features) pValues.set(entry.name, entry.pValue);
    }
  }

  for (const feature of report.features) {
    const found = best.get(feature.name);
    if (!found) continue;
    const miNats = toNats(feature.mi);
    const explanation: MiExplanation = {
      column: found.column,
      cmi: toUnit(found.cmiNats, report.unit),
      pValue: pValues.get(feature.name) ?? null,
      shareExplained: miNats > 0 ? Math.min(1, Math.max(0, (miNats - found.cmiNats) / miNats)) : 0,
    };
    feature.explainedBy = explanation;
  }
  return report;
}

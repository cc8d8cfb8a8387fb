// The conditional path of `milens mi … --given z`: every feature X against the target Y conditioned on
// one column Z, I(X;Y|Z), with the estimator of ./conditional.ts (Frenzel–Pompe on the backend's kernel
// when any of the three is continuous, plug-in or Miller–Madow when all are discrete), per-triple dropping of
// missing rows, Pearson / Spearman / dCor of (X, Y) unconditionally on the triple's rows, and
// conditional permutation p-values: the target is shuffled only among rows with the same Z (discrete
// Z) or among blocks of LOCAL_PERMUTATION_BLOCK rows adjacent in Z order (continuous Z, a "local
// permutation" after Runge 2018), so that the shuffle breaks X–Y dependence given Z but keeps Y–Z.
// The tests run on the plain path's machinery (./permutations.ts: batches, Besag–Clifford early stop,
// the same p-value formula); progress goes to `onProgress` (estimates, then permutations, with running
// p-values) and the work stops between steps when `throwIfCancelled` throws, as in ./estimate.ts.
// Kept apart from ./estimate.ts (the plain, kernel-backed path); it shares only the option checks, the
// correlation measures and the report's warnings with it.
import type { ColumnKind, MiFeatureResult, MiReport } from '../api/contract.js';
import { invalidArgument, requireInteger } from '../api/errors.js';
import type { ComputeBackend } from '../compute/kernels.js';
import type { Table } from '../table/columns.js';
import { inferKind, requireKindAllowed } from '../table/kinds.js';
import { findColumn, resolveColumns } from './columns-resolve.js';
import { frenzelPompeMutualInformation } from './conditional.js';
import { discreteConditionalMutualInformation } from './discrete.js';
import {
  checkedEngineOptions,
  correlationsOnRows,
  MAX_PERMUTATIONS,
  miReport,
  requirePresentTarget,
  runningPValues,
  toUnit,
  type MiEngineOptions,
} from './estimate.js';
import { DEFAULT_STOP_AFTER_EXCEEDANCES, permutationTests, type PermutationJob } from './permutations.js';
import { deriveSeed, SeededRandom } from './random.js';
import { prepareContinuous, prepareContinuousNatively } from './tie-rule.js';
import {
  denseCodes,
  pickCodes,
  pickFloat,
  prepareContinuousVariables,
  presenceOf,
  toEngineVariable,
  type EngineVariable,
} from './variables.js';

/** Rows per block of the continuous-Z local permutation (Runge 2018 uses 5–10 nearest neighbours). */
export const LOCAL_PERMUTATION_BLOCK = 5;

/** One variable of a triple on the triple's rows: codes (all-discrete estimator) or prepared values. */
interface TripleSide {
  codes: Int32Array | null;
  values: Float64Array | null;
  constant: boolean;
  rankFallback: boolean;
}

/** Rows where every variable is present, or null when that is every row (typed passes, no closure per row). */
export function completeRowsOf(variables: EngineVariable[]): Int32Array | null {
  const withMissing = variables.filter((variable) => variable.missingRows > 0);
  if (withMissing.length === 0) return null;
  const present = presenceOf(withMissing[0]!);
  for (const variable of withMissing.slice(1)) {
    const other = presenceOf(variable);
    for (let i = 0; i < present.length; i++) present[i]! &= other[i]!;
  }
  const rows = new Int32Array(present.length);
  let count = 0;
  for (let i = 0; i < present.length; i++) {
    rows[count] = i;
    count += present[i]!;
  }
  return rows.slice(0, count);
}

/**
 * The permutation strata of Z on the triple's rows: positions (into the picked rows) grouped by Z's
 * code for a discrete Z; for a continuous Z, the rows sorted by Z (ties by row) and cut into blocks
 * of `block` consecutive rows, a last short block joining the one before. A constant Z is one stratum
 * (a plain shuffle, as for I(X;Y)).
 */
export function permutationStrata(given: EngineVariable, rows: Int32Array | null, block = LOCAL_PERMUTATION_BLOCK): Int32Array[] {
  const n = rows ? rows.length : given.rowCount;
  if (given.codes) {
    const codes = denseCodes(pickCodes(given.codes, rows));
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) sizes[codes[i]!] = (sizes[codes[i]!] ?? 0) + 1;
    const strata = sizes.map((size) => new Int32Array(size));
    const filled = new Int32Array(strata.length);
    for (let i = 0; i < n; i++) strata[codes[i]!]![filled[codes[i]!]!++] = i;
    return strata;
  }
  const values = pickFloat(given.numeric!, rows);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = values[order[i]!] === values[order[0]!];
  if (constant || n <= block) return [order];
  const strata: Int32Array[] = [];
  for (let start = 0; start < n; start += block) {
    const end = n - (start + block) < block ? n : start + block;
    strata.push(order.subarray(start, end));
    if (end === n) break;
  }
  return strata;
}

/** Shuffles `values` (a copy) within each stratum, positions listed by `strata`. */
export function shuffleWithinStrata<T extends Float64Array | Int32Array>(values: T, strata: Int32Array[], random: SeededRandom): T {
  const result = values.slice() as T;
  for (const stratum of strata) {
    for (let i = stratum.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      const a = stratum[i]!,
        b = stratum[j]!;
      const swap = result[a]!;
      result[a] = result[b]!;
      result[b] = swap;
    }
  }
  return result;
}

/** Kernel calls take this many features (or shuffles) at once: every thread busy, bounded memory. */
const KERNEL_BATCH = 16;

/**
 * One variable on a triple's rows as the estimators take it. On every row (rows null) a continuous
 * variable's prepared values are its own (computed once, natively where the tie rule allows, with the
 * same seed, so bit-identical to preparing the picked rows) and a discrete one's spread codes are cached.
 * On a triple's own rows the picked column goes through the tie rule on the addon's threads (bit-identical
 * to the TypeScript rule, which runs where the addon is not built or declines the column).
 */
async function sideOf(
  variable: EngineVariable,
  rows: Int32Array | null,
  asCodes: boolean,
  seed: number,
  cache: Map<string, TripleSide>,
): Promise<TripleSide> {
  if (asCodes) return { codes: denseCodes(pickCodes(variable.codes!, rows)), values: null, constant: false, rankFallback: false };
  if (rows === null && variable.kind === 'continuous') {
    const values = variable.prepared!;
    return { codes: null, values, constant: variable.constant, rankFallback: variable.rankFallback };
  }
  const cached = rows === null ? cache.get(variable.name) : undefined;
  if (cached) return cached;
  // Discrete codes enter the continuous estimator through the tie rule, which leaves I(X;Y|Z) unchanged.
  const raw = variable.codes ? Float64Array.from(pickCodes(variable.codes, rows)) : pickFloat(variable.numeric!, rows);
  const columnSeed = deriveSeed(seed, variable.name);
  const [native] = await prepareContinuousNatively([raw], [columnSeed]);
  const prepared = native ?? prepareContinuous(raw, columnSeed);
  const side = { codes: null, values: prepared.values, constant: prepared.constant, rankFallback: prepared.rankFallback };
  if (rows === null) cache.set(variable.name, side);
  return side;
}

/** A feature's triple for the Frenzel–Pompe path: prepared x, y, z on the triple's rows. */
interface ContinuousTriple {
  index: number;
  rows: Int32Array | null;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
}

/**
 * The conditional permutation test of one Frenzel–Pompe triple: each batch of seeds shuffles the target
 * within the strata of Z and goes to the kernel KERNEL_BATCH shuffles per call, the feature as the
 * kernel's shared variable (its sort and Z's are built once per call, only the shuffled targets' per
 * shuffle), so the results are those of one shuffle at a time. Stops between calls when `signal` aborts.
 */
function conditionalPermutationJob(
  compute: ComputeBackend,
  triple: ContinuousTriple,
  strataOf: (rows: Int32Array | null) => Int32Array[],
  k: number,
  observed: Float64Array,
): PermutationJob {
  return {
    rows: triple.y.length,
    observed: [observed[triple.index]!],
    shuffled: async (_, seeds, signal) => {
      const strata = strataOf(triple.rows);
      const results: number[][] = [];
      for (let first = 0; first < seeds.length; first += KERNEL_BATCH) {
        if (signal?.aborted) return null;
        const shuffles = seeds
          .slice(first, first + KERNEL_BATCH)
          .map((shuffle) => shuffleWithinStrata(triple.y, strata, new SeededRandom(shuffle)));
        const values = await frenzelPompeMutualInformation(compute, triple.x, [triple.z], shuffles, k);
        for (const value of values) results.push([value]);
      }
      return results;
    },
  };
}

/** Scores every feature of the table against the target, conditioned on the `given` column. */
export async function estimateConditionalMutualInformation(
  compute: ComputeBackend,
  table: Table,
  targetName: string,
  givenName: string,
  options: MiEngineOptions = {},
): Promise<MiReport> {
  const { k, seed, permutations, unit, discreteEstimator } = checkedEngineOptions(options);
  const stopAfterExceedances = options.stopAfterExceedances ?? DEFAULT_STOP_AFTER_EXCEEDANCES;
  requireInteger('stopAfterExceedances', stopAfterExceedances, 0, MAX_PERMUTATIONS);
  if (typeof givenName !== 'string' || givenName.length === 0)
    throw invalidArgument('The given column (--given) must be a non-empty column name', { argument: 'given' });
  if (givenName === targetName) {
    throw invalidArgument(`The given column "${givenName}" is the target: I(X;Y|Y) is 0 for every feature; condition on another column`, {
      argument: 'given',
      value: givenName,
    });
  }

  findColumn(table, targetName); // a missing target is reported before a missing given column
  const givenColumn = findColumn(table, givenName, 'Given column');
  const featureNames = (options.features ?? table.columns.map((column) => column.name)).filter(
    (name) => name !== targetName && name !== givenName,
  );
  if (featureNames.length === 0) {
    throw invalidArgument(`${table.path} has no feature columns besides the target "${targetName}" and the given column "${givenName}"`, {
      path: table.path,
    });
  }
  const resolved = resolveColumns(table, targetName, { ...options, features: featureNames });
  const givenKind: ColumnKind = options.discrete?.includes(givenName)
    ? 'discrete'
    : options.continuous?.includes(givenName)
      ? 'continuous'
      : inferKind(givenColumn);
  requireKindAllowed(givenColumn, givenKind);

  const target = toEngineVariable(resolved.target, resolved.targetKind, seed);
  requirePresentTarget(table, target);
  const given = toEngineVariable(givenColumn, givenKind, seed);
  const givenPresent = given.rowCount - given.missingRows;
  if (givenPresent < 2) {
    throw invalidArgument(
      `Given column "${given.name}" of ${table.path} has ${givenPresent} row${givenPresent === 1 ? '' : 's'} with a value (of ${table.rowCount}): at least 2 are needed`,
      { argument: 'given', value: given.name, path: table.path, presentRows: givenPresent },
    );
  }
  const features = resolved.features.map(({ column, kind }) => toEngineVariable(column, kind, seed));

  const warnings: string[] = [];
  if (target.constant) warnings.push(`target "${target.name}" is constant: every MI is 0`);
  if (target.missingRows > 0)
    warnings.push(`target "${target.name}" is missing in ${target.missingRows} rows; they are dropped from every triple`);
  if (given.constant) warnings.push(`given "${given.name}" is constant: conditioning on it changes nothing, MI is I(feature; target)`);
  if (given.missingRows > 0)
    warnings.push(`given "${given.name}" is missing in ${given.missingRows} rows; they are dropped from every triple`);

  // The tie rule on native threads for every continuous column it can take (the rest on first use).
  options.throwIfCancelled?.();
  await prepareContinuousVariables([target, given, ...features], seed);
  options.throwIfCancelled?.();
  const results: MiFeatureResult[] = [];
  const correlationJobs: Array<{ index: number; rows: Int32Array | null }> = [];
  /** Raw (not clipped) I(X;Y|Z) per feature: the permutation tests compare raw estimates (./permutations.ts). */
  const observed = new Float64Array(features.length);
  const tests: Array<{ index: number; job: PermutationJob }> = [];
  const triples: ContinuousTriple[] = [];
  const sides = new Map<string, TripleSide>();
  const strataByRows = new Map<Int32Array | null, Int32Array[]>();
  const strataOf = (rows: Int32Array | null): Int32Array[] => {
    let strata = strataByRows.get(rows);
    if (!strata) strataByRows.set(rows, (strata = permutationStrata(given, rows)));
    return strata;
  };
  for (const [index, feature] of features.entries()) {
    const featureWarnings: string[] = [];
    const rows = completeRowsOf([feature, target, given]);
    const used = rows ? rows.length : table.rowCount;
    if (rows && used < table.rowCount) featureWarnings.push(`${table.rowCount - used} rows with a missing value dropped`);
    if (feature.constant) featureWarnings.push(`column "${feature.name}" is constant: MI is 0`);
    const skip = target.constant || feature.constant || used < 2;
    if (!skip) {
      const allDiscrete = feature.kind === 'discrete' && target.kind === 'discrete' && given.kind === 'discrete';
      const [x, y, z] = await Promise.all([feature, target, given].map((variable) => sideOf(variable, rows, allDiscrete, seed, sides)));
      if (x.rankFallback || y.rankFallback || z.rankFallback)
        featureWarnings.push('ties too close for float64 spreading; dense ranks were used (see docs/mi.md)');
      if (!allDiscrete && used <= k) featureWarnings.push(`only ${used} rows for k = ${k} neighbours: MI reported as 0`);
      if (permutations > 0) {
        const alone = strataOf(rows).reduce((count, stratum) => count + (stratum.length === 1 ? 1 : 0), 0);
        if (alone * 2 > used)
          featureWarnings.push(
            `${alone} of ${used} rows are alone in their level of "${given.name}": the permutation test has little power`,
          );
      }
      if (allDiscrete) {
        const estimate = (yCodes: Int32Array): number =>
          discreteConditionalMutualInformation(x.codes!, yCodes, z.codes!, discreteEstimator);
        observed[index] = estimate(y.codes!);
        tests.push({
          index,
          job: {
            rows: used,
            observed: [observed[index]!],
            shuffled: (_, seeds, signal) =>
              Promise.resolve(
                signal?.aborted
                  ? null
                  : seeds.map((shuffle) => [estimate(shuffleWithinStrata(y.codes!, strataOf(rows), new SeededRandom(shuffle)))]),
              ),
          },
        });
      } else if (!(x.constant || y.constant || used <= k)) {
        // Conditioning on a constant is conditioning on nothing: I(X;Y|Z) = I(X;Y), here via a zero z.
        const triple = { index, rows, x: x.values!, y: y.values!, z: z.constant ? new Float64Array(used) : z.values! };
        triples.push(triple);
        tests.push({ index, job: conditionalPermutationJob(compute, triple, strataOf, k, observed) });
      }
    }
    correlationJobs.push({ index, rows });
    results.push({
      name: feature.name,
      kind: feature.kind,
      mi: 0,
      pearson: null,
      spearman: null,
      dcor: null,
      pValue: null,
      ...(permutations > 0 ? { permutationsRun: 0 } : {}),
      rows: used,
      droppedRows: table.rowCount - used,
      warnings: featureWarnings,
    });
  }
  // Steps: one per feature for the estimates, then one per (tested feature, permutation); a test that
  // stops early takes the permutations it no longer needs off the total. The skipped and all-discrete
  // features are estimated already; the Frenzel–Pompe ones run below.
  let total = features.length + permutations * tests.length;
  let done = features.length - triples.length;
  const progress = (message?: string): void => options.onProgress?.(done, total, message);
  progress();

  // Observed I(X;Y|Z): the features on every row share the target and Z, so one kernel call takes many
  // (the (y, z) and z structures are built once per call); a feature with rows of its own goes alone.
  const shared = triples.filter((triple) => triple.rows === null);
  const groups = [
    ...Array.from({ length: Math.ceil(shared.length / KERNEL_BATCH) }, (_, g) => shared.slice(g * KERNEL_BATCH, (g + 1) * KERNEL_BATCH)),
    ...triples.filter((triple) => triple.rows !== null).map((triple) => [triple]),
  ];
  for (const group of groups) {
    options.throwIfCancelled?.();
    const values = await frenzelPompeMutualInformation(
      compute,
      group[0]!.y,
      [group[0]!.z],
      group.map((triple) => triple.x),
      k,
    );
    group.forEach((triple, position) => (observed[triple.index] = values[position]!));
    done += group.length;
    progress(`estimated ${group.map((triple) => features[triple.index]!.name).join(', ')}`);
  }
  options.throwIfCancelled?.();
  results.forEach((result, index) => (result.mi = toUnit(Math.max(0, observed[index]!), unit)));

  // Conditional permutation tests on the shared machinery (./permutations.ts: batches, Besag–Clifford
  // stop, running p-values); shuffle i from (seed, target, given, i) only, as in the plain path.
  for (const { index, job } of tests) {
    if (permutations === 0) break;
    const [outcome] = await permutationTests(
      { ...job, observed: [observed[index]!] },
      {
        permutations,
        stopAfterExceedances,
        seedOf: (permutation) => deriveSeed(seed, `conditional-permutation:${permutation}:${target.name}:${given.name}`),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.throwIfCancelled ? { throwIfCancelled: options.throwIfCancelled } : {}),
        onBatch: (ran, skipped, running) => {
          done += ran;
          total -= skipped;
          progress(runningPValues([features[index]!.name], running));
        },
      },
    );
    results[index]!.pValue = outcome!.pValue;
    results[index]!.permutationsRun = outcome!.permutationsRun;
  }
  // Skipped features (constant, too few rows) have nothing to test: p = 1, as in the plain path.
  if (permutations > 0) for (const result of results) result.pValue ??= 1;

  if (options.correlations !== false) {
    // Not conditioned on Z, on the rows the triple uses, so every number of a result row describes the
    // same sample.
    const rowsByFeature = new Map(correlationJobs.map(({ index, rows }) => [index, rows]));
    const correlations = await correlationsOnRows(compute, target, features, (_, index) => rowsByFeature.get(index));
    correlations.forEach((measures, index) => {
      if (!measures) return;
      results[index]!.pearson = measures.pearson;
      results[index]!.spearman = measures.spearman;
      results[index]!.dcor = measures.dcor;
    });
  }

  return miReport({ table, target, unit, k, permutations, seed }, results, warnings, { given: given.name, givenKind: given.kind });
}

// The digamma function ψ, which every k-nearest-neighbour MI estimator sums. Integer arguments (the
// neighbour counts) come from a table filled by the recurrence ψ(m + 1) = ψ(m) + 1/m; other arguments
// use the asymptotic series after shifting the argument above 6.

const EULER_GAMMA = 0.5772156649015329;

/** ψ(x) for x > 0. */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`Expected the digamma argument to be positive but received ${x}`);
  let shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const inverse = 1 / x;
  const inverse2 = inverse * inverse;
  const series = inverse2 * (1 / 12 - inverse2 * (1 / 120 - inverse2 * (1 / 252 - inverse2 * (1 / 240 - inverse2 / 132))));
  return shift + Math.log(x) - 0.5 * inverse - series;
}

/**
 * ψ of the integers below this comes from a table filled once per process by the recurrence
 * ψ(m + 1) = ψ(m) + 1/m from ψ(1) = −γ; larger integers from the series. A fixed cut, so that a value
 * never depends on which calls came first (native/cpu/digamma.h uses the same cut).
 */
export const DIGAMMA_TABLE_SIZE = 4096;

let integerTable: Float64Array | null = null;

function filledTable(): Float64Array {
  if (integerTable) return integerTable;
  const table = new Float64Array(DIGAMMA_TABLE_SIZE);
  table[0] = Number.NaN;
  table[1] = -EULER_GAMMA;
  for (let m = 2; m < DIGAMMA_TABLE_SIZE; m++) table[m] = table[m - 1]! + 1 / (m - 1);
  return (integerTable = table);
}

/** ψ(m) for an integer m ≥ 1 (NaN for 0). */
export function digammaOfInteger(m: number): number {
  return m < DIGAMMA_TABLE_SIZE ? filledTable()[m]! : digamma(m);
}

/** Mean of ψ(counts[i] + offset) over an integer count array. */
export function meanDigammaOfCounts(counts: Int32Array, offset: number): number {
  const table = filledTable();
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const m = counts[i]! + offset;
    sum += m < DIGAMMA_TABLE_SIZE ? table[m]! : digamma(m);
  }
  return sum / counts.length;
}

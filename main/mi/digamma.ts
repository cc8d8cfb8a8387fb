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

let integerTable = new Float64Array([Number.NaN, -EULER_GAMMA]);

/** ψ(0..maximum) as a table (ψ(0) is NaN), grown on demand and shared. */
export function digammaTable(maximum: number): Float64Array {
  if (integerTable.length > maximum) return integerTable;
  const size = Math.max(maximum + 1, integerTable.length * 2);
  const table = new Float64Array(size);
  table.set(integerTable);
  // Restart the recurrence from an exact value every 4096 steps so rounding cannot accumulate.
  for (let m = integerTable.length; m < size; m++) table[m] = m % 4096 === 0 ? digamma(m) : table[m - 1]! + 1 / (m - 1);
  integerTable = table;
  return table;
}

/** Mean of ψ(counts[i] + offset) over an integer count array. */
export function meanDigammaOfCounts(counts: Int32Array, offset: number): number {
  let maximum = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > maximum) maximum = counts[i]!;
  const table = digammaTable(maximum + offset);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += table[counts[i]! + offset]!;
  return sum / counts.length;
}

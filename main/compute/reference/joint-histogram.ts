// Reference joint histogram of two integer code arrays: counts[a * bLevels + b], as float64 so that the
// counts feed entropy sums directly.

/** Assumes validated arguments (see ../validate.ts). */
export function jointHistogramReference(a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Float64Array {
  const counts = new Float64Array(aLevels * bLevels);
  for (let i = 0; i < a.length; i++) counts[a[i]! * bLevels + b[i]!]!++;
  return counts;
}

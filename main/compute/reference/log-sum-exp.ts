// Reference log-sum-exp over the rows or the columns of a row-major float32 matrix. One streaming pass:
// a running maximum m and a running sum s of exp(x − m), rescaled whenever the maximum grows, so no
// exp overflows and no second pass over the data is needed. −Infinity entries contribute nothing; an
// empty or all −Infinity line gives −Infinity; a +Infinity entry gives +Infinity.

/** Streaming accumulator state for one line: [maximum, scaled sum]. */
export function logSumExpStep(state: Float64Array, at: number, value: number): void {
  if (value === -Infinity) return;
  const maximum = state[at]!;
  if (maximum === Infinity) return;
  if (value > maximum) {
    state[at + 1] = (maximum === -Infinity ? 0 : state[at + 1]! * Math.exp(maximum - value)) + 1;
    state[at] = value;
  } else {
    state[at + 1] = state[at + 1]! + Math.exp(value - maximum);
  }
}

export function logSumExpFinish(maximum: number, sum: number): number {
  if (maximum === -Infinity || maximum === Infinity) return maximum;
  return maximum + Math.log(sum);
}

/** Assumes validated arguments (see ../validate.ts). */
export function logSumExpReference(matrix: Float32Array, rows: number, columns: number, axis: 'rows' | 'columns'): Float64Array {
  const lines = axis === 'rows' ? rows : columns;
  const state = new Float64Array(2 * lines);
  for (let line = 0; line < lines; line++) state[2 * line] = -Infinity;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const line = axis === 'rows' ? r : c;
      logSumExpStep(state, 2 * line, matrix[r * columns + c]!);
    }
  }
  const result = new Float64Array(lines);
  for (let line = 0; line < lines; line++) result[line] = logSumExpFinish(state[2 * line]!, state[2 * line + 1]!);
  return result;
}

// Reads a `.npy` file of embeddings (float32 or float16 rows, C order, 2-D) with npyjs and returns them
// as L2-normalised float32 rows: for `milens rank` and the evaluation script, on embeddings computed
// elsewhere. A file that is not such a matrix, or holds a non-finite value or an all-zero row, is
// refused with an error naming the file (and the row).
import { readFileSync } from 'node:fs';
import { parse } from 'npyjs';
import { invalidArgument, unreadable } from '../../api/errors.js';
import type { Float32Rows } from './hub-correction.js';

export function loadNpyRows(file: string, flag: string): Float32Rows {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw unreadable(file, (error as Error).message);
  }
  let array: ReturnType<typeof parse>;
  try {
    array = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (error) {
    throw invalidArgument(`${flag} ${file} is not a readable .npy file: ${(error as Error).message}`, { path: file });
  }
  if (array.dtype !== 'f4' && array.dtype !== 'f2')
    throw invalidArgument(`${flag} ${file} holds ${array.dtype} values; expected float32 (f4) or float16 (f2) rows`, { path: file });
  if (array.shape.length !== 2)
    throw invalidArgument(`${flag} ${file} has shape (${array.shape.join(', ')}); expected a 2-D matrix, one embedding per row`, {
      path: file,
    });
  const [count, dimension] = array.shape as [number, number];
  if (dimension < 1) throw invalidArgument(`${flag} ${file} has rows of dimension 0`, { path: file });
  const source = array.data as Float32Array;
  const data = new Float32Array(count * dimension);
  for (let row = 0; row < count; row++) {
    let norm = 0;
    for (let d = 0; d < dimension; d++) {
      // Fortran order stores column by column.
      const value = array.fortranOrder ? source[d * count + row]! : source[row * dimension + d]!;
      if (!Number.isFinite(value)) throw invalidArgument(`${flag} ${file}: row ${row} holds ${value} at column ${d}`, { path: file, row });
      data[row * dimension + d] = value;
      norm += value * value;
    }
    if (norm === 0) throw invalidArgument(`${flag} ${file}: row ${row} is all zeros and has no direction`, { path: file, row });
    const inverse = 1 / Math.sqrt(norm);
    for (let d = 0; d < dimension; d++) data[row * dimension + d]! *= inverse;
  }
  return { data, count, dimension };
}

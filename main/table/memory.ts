// The memory a table will take, estimated before it is read, so that a file too large for this machine
// is refused with the numbers ("needs ~X GB, Y GB available; use --sample N") instead of being read
// until the process is killed. The estimate reads the header and the first MiB of data lines: rows ≈
// file size / mean line length, and each column holds 8 bytes a row (float64; text codes take 4, the
// estimate counts 8). Loading itself peaks near 1× that (the native reader parses straight into the
// final columns: 1.03× measured at 71 M rows × 3). The whole `milens mi` run adds the MI engine's working
// copies, which on a tall table are per row, not per column: the kernels and the KSG jobs take one
// feature at a time there (docs/mi.md, "Large and wide tables"), so a run needs the data,
// RUN_WORKING_BYTES_PER_ROW for every row and a fixed allowance; below TALL_ROWS a kernel batch holds up to
// 16 features, 16 bytes a row each (its prepared column and its two int32 KSG counts).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';

/**
 * Working bytes of a `milens mi` run per row of a tall table, besides the table: the larger of the
 * correlation kernel's (~36 measured: the target's positions, ranks and row sums 16 and one feature's 16
 * with its sort's scratch 20 during the O(n) sums; the distance sum's 20-byte points and their spare half
 * 10 with the target's positions 4) and the KSG job's (~56 measured: the prepared target and feature 8
 * each, and the kernel's ~32 at the grid search, the grid 22 with its eps 8, or at the counts). Measured:
 * 0.93 GB peak RSS for 11 M rows × 3 (0.26 GB of data; ~80 bytes a row in all, Node's ~50 MB aside),
 * against 1.31 GB before this cut (~115 bytes a row) and 3.27 GB before the kernels went one feature at
 * a time (scripts/bench/mi-memory.mjs). 64 leaves room above the measured 56.
 */
export const RUN_WORKING_BYTES_PER_ROW = 64;
/** Rows above which the run takes one feature at a time (estimate.ts's SERIAL_CORRELATIONS_ROWS). */
const TALL_ROWS = 1 << 20;
/** Features one kernel batch holds at once below TALL_ROWS (estimate.ts), each 16 bytes a row: prepared column, two counts. */
const PREPARED_BATCH_FEATURES = 16;
/** Bytes any run needs besides the table and the per-row copies (Node, the addon, fixed buffers). */
export const FIXED_ALLOWANCE_BYTES = 512 * 1024 * 1024;
const SAMPLE_BYTES = 1 << 20;

export interface TableMemoryEstimate {
  fileBytes: number;
  columns: number;
  /** Data rows, estimated from the mean length of the sampled lines (exact when the sample is the whole file). */
  rows: number;
  /** rows × columns × 8. */
  dataBytes: number;
  /** What loading and estimating are expected to need at their peak. */
  neededBytes: number;
  availableBytes: number;
}

/**
 * Memory this process may still use: MILENS_MEMORY_LIMIT_BYTES when set (a cap the user chooses, and how
 * the tests pin the number), else what the system reports available (MemAvailable on Linux).
 */
export function availableMemoryBytes(): number {
  const limit = Number(process.env.MILENS_MEMORY_LIMIT_BYTES);
  if (Number.isFinite(limit) && limit > 0) return limit;
  return os.freemem();
}

/** The estimate for a CSV file (rows counted from its first MiB of lines), or null when it cannot be read. */
export function estimateCsvMemory(file: string): TableMemoryEstimate | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const fileBytes = statSync(file).size;
    const buffer = Buffer.allocUnsafe(Math.min(SAMPLE_BYTES, fileBytes));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.toString('latin1', 0, read);
    const lines = text.split('\n');
    if (read < fileBytes) lines.pop(); // the last line may be cut
    const nonBlank = lines.filter((line) => line.trim().length > 0);
    if (nonBlank.length === 0) return null;
    const header = nonBlank[0]!;
    const columns = Math.max(countCells(header, ',;\t'), 1);
    const dataLines = nonBlank.length - 1;
    const headerEnd = text.indexOf(header) + header.length + 1;
    let rows: number;
    if (read === fileBytes) rows = dataLines;
    else {
      const sampledDataBytes = Math.max(read - headerEnd, 1);
      const meanLineBytes = dataLines > 0 ? sampledDataBytes / dataLines : sampledDataBytes;
      rows = Math.ceil((fileBytes - headerEnd) / meanLineBytes);
    }
    const dataBytes = rows * columns * 8;
    return { fileBytes, columns, rows, dataBytes, neededBytes: neededBytesFor(rows, columns), availableBytes: availableMemoryBytes() };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Bytes a `milens mi` run needs per row of a `rows` × `columns` table: its data and the working copies. */
function bytesPerRow(rows: number, columns: number): number {
  const count = Math.max(columns, 1);
  const batch = rows > TALL_ROWS ? 0 : 16 * Math.min(Math.max(count - 1, 1), PREPARED_BATCH_FEATURES);
  return 8 * count + RUN_WORKING_BYTES_PER_ROW + batch;
}

/** Peak bytes of a whole `milens mi` run on `rows` × `columns` (the table, the working copies, the allowance). */
export function neededBytesFor(rows: number, columns: number): number {
  return rows * bytesPerRow(rows, columns) + FIXED_ALLOWANCE_BYTES;
}

/** The most rows that fit in `availableBytes` with `columns` columns (at least 1,000). */
export function rowsThatFit(availableBytes: number, columns: number): number {
  const room = availableBytes - FIXED_ALLOWANCE_BYTES;
  let rows = Math.floor(room / bytesPerRow(TALL_ROWS + 1, columns));
  if (rows <= TALL_ROWS) rows = Math.floor(room / bytesPerRow(0, columns)); // a table that is not tall holds a batch
  return Math.max(1000, Math.floor(rows / 1000) * 1000);
}

/** "1.7 GB" (decimal gigabytes, one decimal; megabytes below 1 GB). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/** Cells of the header by its most frequent delimiter (as detectDelimiter chooses, without quotes). */
function countCells(header: string, delimiters: string): number {
  let best = 0;
  for (const delimiter of delimiters) best = Math.max(best, header.split(delimiter).length);
  return best;
}

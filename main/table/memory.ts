// The memory a table will take, estimated before it is read, so that a file too large for this machine
// is refused with the numbers ("needs ~X GB, Y GB available; use --sample N") instead of being read
// until the process is killed. The estimate reads the header and the first MiB of data lines: rows ≈
// file size / mean line length, and each column holds 8 bytes a row (float64; text codes take 4, the
// estimate counts 8). Loading itself peaks near 1× that (the native reader parses straight into the
// final columns: 1.03× measured at 71 M rows × 3); the whole `milens mi` run peaks at RUN_PEAK_FACTOR ×
// it, the MI engine's working copies included (docs/mi.md, "Large and wide tables").
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';

/**
 * Peak bytes of a `milens mi` run per byte of column data, the engine's working copies included:
 * measured 12× (20.6 GB for 71 M rows × 3, 1.7 GB of data) and 9.6× (2.5 GB for 11 M × 3).
 */
export const RUN_PEAK_FACTOR = 12;
/** Bytes any run needs besides the table (Node, the addon, the engine's fixed buffers). */
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
    return { fileBytes, columns, rows, dataBytes, neededBytes: neededBytesFor(dataBytes), availableBytes: availableMemoryBytes() };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export function neededBytesFor(dataBytes: number): number {
  return RUN_PEAK_FACTOR * dataBytes + FIXED_ALLOWANCE_BYTES;
}

/** The most rows that fit in `availableBytes` with `columns` columns (at least 1,000). */
export function rowsThatFit(availableBytes: number, columns: number): number {
  const rows = Math.floor((availableBytes - FIXED_ALLOWANCE_BYTES) / (RUN_PEAK_FACTOR * 8 * Math.max(columns, 1)));
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

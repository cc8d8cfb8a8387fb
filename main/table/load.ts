// Opens a table file: Parquet by its extension or magic bytes, CSV otherwise. A CSV file is measured
// first (main/table/memory.ts): one that would need more memory than is available is refused with the
// numbers, unless `sampleRows` asks for a systematic sample of about that many rows.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { requireInteger, unavailable, unreadable } from '../api/errors.js';
import type { Table } from './columns.js';
import { loadCsv, type LoadProgress } from './csv.js';
import { estimateCsvMemory, formatBytes, rowsThatFit } from './memory.js';

export interface TableLoadOptions {
  /** Read about this many rows, every n-th row of the file, when it has more (`--sample N`). */
  sampleRows?: number;
  /** Bytes read of the bytes to read, now and then while the file loads (CSV and Parquet). */
  onProgress?: LoadProgress;
}

export async function loadTable(file: string, options: TableLoadOptions = {}): Promise<Table> {
  if (options.sampleRows !== undefined) requireInteger('sample', options.sampleRows, 2);
  const resolved = path.resolve(file);
  let isFile: boolean;
  let fileBytes: number;
  try {
    const stats = await stat(resolved);
    isFile = stats.isFile();
    fileBytes = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadable(file, code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error));
  }
  if (!isFile) throw unreadable(file, 'it is not a regular file');
  options.onProgress?.(0, fileBytes);
  // The Parquet reader (hyparquet) loads only for Parquet files: a CSV run should not pay for it.
  if (await isParquet(resolved)) return { ...(await (await import('./parquet.js')).loadParquet(resolved, options.onProgress)), path: file };
  const estimate = estimateCsvMemory(resolved);
  let sampleEvery = 1;
  if (estimate !== null && options.sampleRows !== undefined) sampleEvery = Math.max(1, Math.ceil(estimate.rows / options.sampleRows));
  else if (estimate !== null && estimate.neededBytes > estimate.availableBytes) {
    const fit = rowsThatFit(estimate.availableBytes, estimate.columns);
    throw unavailable(
      `${file} needs ~${formatBytes(estimate.neededBytes)} of memory (~${estimate.rows.toLocaleString('en-US')} rows × ` +
        `${estimate.columns.toLocaleString('en-US')} columns), ${formatBytes(estimate.availableBytes)} available; ` +
        `use --sample ${fit} to estimate on one row in ${Math.ceil(estimate.rows / fit)}`,
      { path: file, neededBytes: estimate.neededBytes, availableBytes: estimate.availableBytes, rows: estimate.rows, suggestedSample: fit },
    );
  }
  return { ...(await loadCsv(resolved, { sampleEvery, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })), path: file };
}

/**
 * The warning a report carries when it was computed on a sample: how many rows, of how many, and the
 * order of the sampling error (estimates from n rows vary by about 1/√n of their scale between samples).
 */
export function sampleWarning(table: Table): string | null {
  if (!table.sample) return null;
  const { every, fileRows } = table.sample;
  const relative = 1 / Math.sqrt(Math.max(table.rowCount, 1));
  return (
    `estimated on a sample of ${table.rowCount.toLocaleString('en-US')} of ${fileRows.toLocaleString('en-US')} rows ` +
    `(one row in ${every}, --sample): estimates and correlations carry a sampling error of order 1/√n ≈ ${relative.toPrecision(2)} ` +
    'beyond their estimator bias; permutation p-values refer to the sample'
  );
}

async function isParquet(file: string): Promise<boolean> {
  if (/\.(parquet|pq)$/i.test(file)) return true;
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    return magic.toString('latin1') === 'PAR1';
  } finally {
    await handle.close();
  }
}

// Opens a table file: Parquet by its extension or magic bytes, CSV otherwise.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { unreadable } from '../api/errors.js';
import type { Table } from './columns.js';
import { loadCsv } from './csv.js';

export async function loadTable(file: string): Promise<Table> {
  const resolved = path.resolve(file);
  let isFile: boolean;
  try {
    isFile = (await stat(resolved)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadable(file, code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error));
  }
  if (!isFile) throw unreadable(file, 'it is not a regular file');
  // The Parquet reader (hyparquet) loads only for Parquet files: a CSV run should not pay for it.
  const table = (await isParquet(resolved)) ? await (await import('./parquet.js')).loadParquet(resolved) : await loadCsv(resolved);
  return { ...table, path: file };
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

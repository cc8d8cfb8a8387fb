// Parquet loading into typed columns with hyparquet, one column chunk at a time (`onChunk`), so rows are
// never materialised as objects. Numbers (including 64-bit integers) become numeric columns; strings
// and booleans become dictionary-coded text columns; nulls are missing.
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { unreadable } from '../api/errors.js';
import { ColumnBuilder, type Table } from './columns.js';
import type { LoadProgress } from './csv.js';

/**
 * `onProgress` after each row group: the share of the row groups' compressed bytes read so far, as bytes
 * of the file's size.
 */
export async function loadParquet(path: string, onProgress?: LoadProgress): Promise<Table> {
  let file;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadable(path, code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error));
  }
  try {
    const metadata = await parquetMetadataAsync(file);
    const names = parquetSchema(metadata).children.map((child) => child.element.name);
    const builders = new Map(names.map((name) => [name, new ColumnBuilder(name)]));
    const rowCount = Number(metadata.num_rows);
    // One row group at a time keeps memory bounded; within it, chunks are put in row order before
    // they are appended (hyparquet may resolve them out of order).
    let groupStart = 0;
    const groupBytes = (group: (typeof metadata.row_groups)[number]): number =>
      group.columns.reduce((sum, chunk) => sum + Number(chunk.meta_data?.total_compressed_size ?? 0), 0);
    const totalBytes = metadata.row_groups.reduce((sum, group) => sum + groupBytes(group), 0);
    let bytesRead = 0;
    const fileBytes = file.byteLength;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      const chunks: Array<{ columnName: string; columnData: ArrayLike<unknown>; rowStart: number }> = [];
      await parquetRead({ file, metadata, rowStart: groupStart, rowEnd: groupEnd, onChunk: (chunk) => chunks.push(chunk) });
      chunks.sort((a, b) => a.rowStart - b.rowStart);
      for (const { columnName, columnData, rowStart } of chunks) {
        const builder = builders.get(columnName);
        if (!builder) continue;
        const from = Math.max(0, groupStart - rowStart);
        const to = Math.min(columnData.length, groupEnd - rowStart);
        for (let i = from; i < to; i++) appendValue(builder, columnData[i]);
      }
      groupStart = groupEnd;
      bytesRead += groupBytes(group);
      onProgress?.(totalBytes > 0 ? Math.round((fileBytes * bytesRead) / totalBytes) : 0, fileBytes);
    }
    const columns = names.map((name) => {
      const builder = builders.get(name)!;
      if (builder.rowCount !== rowCount)
        throw unreadable(path, `column "${name}" has ${builder.rowCount} values but the file has ${rowCount} rows`);
      return builder.build();
    });
    return { path, format: 'parquet', rowCount, columns };
  } catch (error) {
    if (error instanceof Error && error.name === 'MilensError') throw error;
    throw unreadable(path, `not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`);
  }
}

function appendValue(builder: ColumnBuilder, value: unknown): void {
  if (value === null || value === undefined) {
    if (builder.isText) builder.pushText(null);
    else builder.pushNumber(Number.NaN);
  } else if (typeof value === 'number') builder.pushNumber(value);
  else if (typeof value === 'bigint') builder.pushNumber(Number(value));
  else if (typeof value === 'boolean') builder.pushText(value ? 'true' : 'false');
  else if (typeof value === 'string') builder.pushText(value);
  else if (value instanceof Date) builder.pushNumber(value.getTime());
  else builder.pushText(JSON.stringify(value));
}

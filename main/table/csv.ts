// CSV loading into typed columns. The header row names the columns; the delimiter (comma, semicolon or
// tab) is detected from the header. Files with quoted fields go through csv-parse; files without a
// single quote character take a fast path that splits lines and cells directly (the same grammar minus
// quoting), which is what keeps loading a 100,000-row file far below the time of the MI estimation.
// In semicolon-separated files a decimal comma ("1,5") is read as a decimal point.
// Before either, a file whose every data cell is a plain decimal number or a missing cell (empty, or one
// of isMissingToken's words with no spaces around it, read as NaN; the common case for `milens mi`) is
// read and parsed by the native addon on every thread (native/cpu/csv_numbers.cc); it declines anything
// else, and the paths here then read the file as they always did, so the values and errors never depend
// on it.
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { unreadable } from '../api/errors.js';
import { loadAddon, type NativeAddon } from '../compute/native.js';
import { allocateColumns, buildColumns, ColumnBuilder, type Table } from './columns.js';

export type Delimiter = ',' | ';' | '\t';

const READ_CHUNK_BYTES = 1 << 20;
const QUOTE = 0x22;

/** Raised inside the fast path when a quote shows up: the file is re-read with csv-parse. */
class QuotedFieldFound extends Error {}

/**
 * The native reader's size limit: none in practice (2^52 bytes, the addon's own bound). It reads the file
 * in two streaming passes (count, then parse into the final columns), so its memory is the columns alone;
 * it used to stop at 512 MB and hand larger files to the TypeScript path, which needs twice that.
 */
const NATIVE_MAX_BYTES = 2 ** 52;
/** The first read for the header; wider headers are read in doubling steps. */
const HEAD_READ_BYTES = 64 * 1024;

export interface CsvLoadOptions {
  /**
   * Keep only every `sampleEvery`-th data row (the 1st, the (1 + n)th, …): a systematic sample of a file
   * too large to load whole. The table's `sample` then says how many rows the file had. Sampling takes
   * the TypeScript path (the native reader parses every row).
   */
  sampleEvery?: number;
  /** Bytes read so far of the bytes to read (both passes of the native reader count), now and then. */
  onProgress?: LoadProgress;
}

/**
 * Load progress: how far through the file the reader is, as `bytesRead` of `totalBytes` (the file's size),
 * after each chunk (TypeScript readers), row group (Parquet) or poll of the native reader, whose two passes
 * each count half.
 */
export type LoadProgress = (bytesRead: number, totalBytes: number) => void;

/** How often the native reader's byte counter is polled while its passes run on the addon's threads. */
const NATIVE_PROGRESS_POLL_MS = 200;
/** The csv-parse path reports its source's bytes once per this many records. */
const PARSER_PROGRESS_RECORDS = 4096;

export async function loadCsv(path: string, options: CsvLoadOptions = {}): Promise<Table> {
  const every = options.sampleEvery ?? 1;
  return (every === 1 ? await loadNumericCsvNatively(path, 0, options.onProgress) : null) ?? loadCsvInTypeScript(path, options);
}

/** The TypeScript reader alone (the reference for the native all-numbers path). */
export async function loadCsvInTypeScript(path: string, options: CsvLoadOptions = {}): Promise<Table> {
  const every = options.sampleEvery ?? 1;
  try {
    return await loadCsvFast(path, every, options.onProgress);
  } catch (error) {
    if (error instanceof QuotedFieldFound) return loadCsvWithParser(path, every, options.onProgress);
    throw error;
  }
}

/**
 * The whole file through the addon's all-numbers path, or null (addon missing, file too large or
 * unreadable, a quote, no header, or a cell that is neither a plain decimal number nor a missing cell):
 * the caller then reads it in TypeScript, which also produces every error message. Each column carries
 * the addon's count of the missing cells (NaN) it read into it. Only the header is read here; the addon
 * reads the data lines itself, on every thread, counting rows first so that it can parse them straight
 * into the columns allocated here. `parts` fixes how many parts the file is cut into (for tests of the
 * cuts; 0 lets the addon choose).
 */
export async function loadNumericCsvNatively(path: string, parts = 0, onProgress?: LoadProgress): Promise<Table | null> {
  const loaded = loadAddon();
  if ('error' in loaded) return null;
  const { addon } = loaded;
  if (typeof addon.scanNumericCsv !== 'function' || typeof addon.parseNumericCsvFile !== 'function') return null;
  const head = readCsvHead(path);
  if (head === null) return null;
  const delimiter = detectDelimiter(head.header);
  const names = headerNames(head.header.split(delimiter), path);
  const progress = nativeProgress(addon, head, onProgress);
  let nonFinite: unknown;
  let rowCount: number;
  let columns: Float64Array[];
  try {
    const plan = await addon.scanNumericCsv(path, head.dataOffset, parts, NATIVE_MAX_BYTES);
    if (plan === null) return null;
    rowCount = plan.rows.reduce((sum, rows) => sum + rows, 0);
    columns = allocateColumns(Float64Array, names.length, rowCount);
    nonFinite = await addon.parseNumericCsvFile(path, plan, columns, delimiter);
  } finally {
    progress.stop();
  }
  // An older build answers a boolean, or one flag per column.
  if (!(nonFinite instanceof Float64Array) || nonFinite.length !== names.length) return null;
  return {
    path,
    format: 'csv',
    rowCount,
    columns: names.map((name, index) => ({ name, type: 'numeric', values: columns[index]!, nonFiniteRows: nonFinite[index]! })),
  };
}

/**
 * Polls the addon's count of bytes its CSV passes have read while they run on its threads: each pass reads
 * the data lines once, so half the count is how far through the file the load is. The counter is
 * process-wide (a second load at the same time adds to it), hence the clamp to the file's size.
 */
function nativeProgress(addon: NativeAddon, head: CsvHead, onProgress: LoadProgress | undefined): { stop(): void } {
  if (!onProgress || typeof addon.numericCsvBytesRead !== 'function') return { stop: () => {} };
  const counter = addon.numericCsvBytesRead.bind(addon);
  const start = counter();
  const report = (): void => onProgress(Math.min(head.fileBytes, head.dataOffset + Math.floor((counter() - start) / 2)), head.fileBytes);
  const timer = setInterval(report, NATIVE_PROGRESS_POLL_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      report();
    },
  };
}

/** The header line (BOM stripped), the byte offset just past it (where the data lines start), the file's size. */
interface CsvHead {
  header: string;
  dataOffset: number;
  fileBytes: number;
}

/**
 * The header as the streaming path finds it (the first non-blank line), read from the start of the file
 * in growing steps; null when the file is unreadable, over the native size limit, empty, or has a quote
 * up to the end of the header.
 */
function readCsvHead(path: string): CsvHead | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const fileBytes = fstatSync(fd).size;
    if (fileBytes > NATIVE_MAX_BYTES) return null;
    let bytes = Buffer.allocUnsafe(HEAD_READ_BYTES);
    let length = 0;
    for (;;) {
      if (length === bytes.length) {
        if (length >= NATIVE_MAX_BYTES) return null;
        const larger = Buffer.allocUnsafe(length * 2);
        bytes.copy(larger, 0, 0, length);
        bytes = larger;
      }
      const read = readSync(fd, bytes, length, bytes.length - length, length);
      length += read;
      const line = findHeaderLine(bytes.subarray(0, length), read === 0);
      if (line === 'more') continue;
      if (line === null || bytes.subarray(0, line.next).indexOf(QUOTE) >= 0) return null;
      let header = bytes.toString('utf8', line.start, line.end);
      if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
      return { header, dataOffset: line.next, fileBytes };
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The first non-blank line of `bytes` (its CR excluded) and where the next line starts; 'more' when
 * more bytes are needed to tell, null when the file (`complete`: all of it is here) has no such line.
 */
function findHeaderLine(bytes: Buffer, complete: boolean): { start: number; end: number; next: number } | 'more' | null {
  for (let start = 0; ;) {
    if (start >= bytes.length) return complete ? null : 'more';
    const newline = bytes.indexOf(0x0a, start);
    if (newline < 0 && !complete) return 'more';
    const next = newline < 0 ? bytes.length : newline + 1;
    let end = newline < 0 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 13) end--;
    if (end > start) return { start, end, next };
    start = next;
  }
}

/** The delimiter that occurs most often outside quotes in the header line (comma on a tie). */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const character of headerLine) {
    if (character === '"') quoted = !quoted;
    else if (!quoted && (character === ',' || character === ';' || character === '\t')) counts[character]++;
  }
  let best: Delimiter = ',';
  for (const candidate of [';', '\t'] as const) if (counts[candidate] > counts[best]) best = candidate;
  return best;
}

function headerNames(cells: string[], path: string): string[] {
  const names = cells.map((cell, index) => cell.trim() || `column${index + 1}`);
  // Duplicates by sorting a copy (a million header names: 0.2 s, where a Set of them measured 3.3 s on
  // a loaded machine); the Set runs only to name the first repeated column in header order.
  const sorted = names.slice().sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] !== sorted[i - 1]) continue;
    // Positions, never the name: errors do not quote the file's contents.
    const seen = new Map<string, number>();
    names.forEach((name, index) => {
      const first = seen.get(name);
      if (first !== undefined) throw unreadable(path, `header cells ${first + 1} and ${index + 1} name the same column`);
      seen.set(name, index);
    });
  }
  return names;
}

function finish(path: string, builders: ColumnBuilder[], rowCount: number, every = 1, fileRows = rowCount): Table {
  if (builders.length === 0) throw unreadable(path, 'the file is empty (a header row is required)');
  const table: Table = { path, format: 'csv', rowCount, columns: buildColumns(builders, rowCount) };
  if (every > 1) table.sample = { every, fileRows };
  return table;
}

function wrongCellCount(path: string, line: number, found: number, expected: number): Error {
  return unreadable(path, `line ${line} has ${found} cells but the header has ${expected}`);
}

/** The size of the file behind an open stream's path, for progress (0 when it cannot be read). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function loadCsvFast(path: string, every: number, onProgress?: LoadProgress): Promise<Table> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const totalBytes = onProgress ? fileSize(path) : 0;
  const decoder = new StringDecoder('utf8');
  let builders: ColumnBuilder[] | undefined;
  let delimiter: Delimiter = ',';
  let pending = '';
  let line = 0;
  let rows = 0;
  let fileRows = 0;
  const consumeLine = (text: string, start: number, end: number): void => {
    line++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // CRLF
    if (end === start) return; // blank line
    if (builders === undefined) {
      let header = text.slice(start, end);
      if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
      delimiter = detectDelimiter(header);
      builders = headerNames(header.split(delimiter), path).map((name) => new ColumnBuilder(name, delimiter === ';'));
      return;
    }
    if (fileRows++ % every !== 0) return; // not in the sample (its cells are not checked)
    const columns = builders.length;
    let cellStart = start;
    for (let column = 0; ; column++) {
      let cellEnd = text.indexOf(delimiter, cellStart);
      if (cellEnd < 0 || cellEnd > end) cellEnd = end;
      if (column >= columns) throw wrongCellCount(path, line, countCells(text, start, end, delimiter), columns);
      builders[column]!.pushCell(text.slice(cellStart, cellEnd));
      if (cellEnd === end) {
        if (column !== columns - 1) throw wrongCellCount(path, line, column + 1, columns);
        break;
      }
      cellStart = cellEnd + 1;
    }
    rows++;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (chunk.indexOf(QUOTE) >= 0) throw new QuotedFieldFound();
      const text = pending + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const newline = text.indexOf('\n', start);
        if (newline < 0) break;
        consumeLine(text, start, newline);
        start = newline + 1;
      }
      pending = text.slice(start);
      onProgress?.(Math.min(stream.bytesRead, totalBytes), totalBytes);
    }
    const rest = pending + decoder.end();
    if (rest.length > 0) consumeLine(rest, 0, rest.length);
  } catch (error) {
    stream.destroy();
    throw toReadError(path, error);
  }
  return finish(path, builders ?? [], rows, every, fileRows);
}

function countCells(text: string, start: number, end: number, delimiter: string): number {
  let count = 1;
  for (let at = text.indexOf(delimiter, start); at >= 0 && at < end; at = text.indexOf(delimiter, at + 1)) count++;
  return count;
}

/** The first non-blank line (CR and BOM stripped), where the header is, as in the fast path. */
async function readHeaderLine(path: string): Promise<string> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  const decoder = new StringDecoder('utf8');
  const headerOf = (line: string): string => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  };
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += decoder.write(chunk);
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
        const header = headerOf(text.slice(0, newline));
        if (header.length > 0) return header;
        text = text.slice(newline + 1);
      }
    }
  } finally {
    stream.destroy();
  }
  return headerOf(text + decoder.end());
}

async function loadCsvWithParser(path: string, every: number, onProgress?: LoadProgress): Promise<Table> {
  let delimiter: Delimiter;
  try {
    delimiter = detectDelimiter(await readHeaderLine(path));
  } catch (error) {
    throw toReadError(path, error);
  }
  // csv-parse loads only for files with quoted fields (the other paths never need it).
  const { parse } = await import('csv-parse');
  const source = createReadStream(path);
  const totalBytes = onProgress ? fileSize(path) : 0;
  const parser = source.pipe(parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  let builders: ColumnBuilder[] | undefined;
  let rows = 0;
  let fileRows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (onProgress && fileRows % PARSER_PROGRESS_RECORDS === 0) onProgress(Math.min(source.bytesRead, totalBytes), totalBytes);
      if (builders === undefined) {
        builders = headerNames(record, path).map((name) => new ColumnBuilder(name, delimiter === ';'));
        continue;
      }
      if (fileRows++ % every !== 0) continue;
      if (record.length !== builders.length) throw wrongCellCount(path, info.lines, record.length, builders.length);
      for (let column = 0; column < record.length; column++) builders[column]!.pushCell(record[column]!);
      rows++;
    }
    onProgress?.(Math.min(source.bytesRead, totalBytes), totalBytes);
  } catch (error) {
    throw toReadError(path, error);
  }
  return finish(path, builders ?? [], rows, every, fileRows);
}

function toReadError(path: string, error: unknown): Error {
  if (error instanceof QuotedFieldFound) return error;
  if (error instanceof Error && 'code' in error && error.name === 'MilensError') return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return unreadable(path, 'no such file');
  if (code === 'EISDIR') return unreadable(path, 'it is a folder, not a file');
  if (code === 'EACCES') return unreadable(path, 'permission denied');
  // csv-parse's messages quote the characters it read ('got "y" at line 2'): only its code and line.
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    const line = (error as { lines?: number }).lines;
    return unreadable(
      path,
      `${CSV_PARSE_PROBLEMS[code] ?? 'it is not valid CSV'}${line !== undefined ? ` on line ${line}` : ''} (${code})`,
    );
  }
  return unreadable(path, error instanceof Error ? error.message : String(error));
}

/** csv-parse's error codes, in words. */
const CSV_PARSE_PROBLEMS: Readonly<Record<string, string>> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by something other than a delimiter',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field is followed by something other than a delimiter',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a line has a different number of cells from the header',
  CSV_INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted field',
  CSV_MAX_RECORD_SIZE: 'a line is too long',
};

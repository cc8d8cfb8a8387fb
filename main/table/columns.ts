// Typed table columns: what the CSV and Parquet readers produce and the MI engine consumes. A table is
// a list of columns, each held in one typed array (never one object per row), so a million rows ×
// a hundred numeric columns take 800 MB of float64 and nothing else.

/** Numbers; missing values are NaN. */
export interface NumericColumn {
  name: string;
  type: 'numeric';
  values: Float64Array;
  /**
   * How many values are not finite numbers (missing cells are NaN), where the reader counted them as it
   * read (ColumnBuilder, the native CSV parser): consumers may then skip a scan for missing values.
   */
  nonFiniteRows?: number;
}

/** Text or booleans as dictionary codes into `levels`; missing values are −1. */
export interface TextColumn {
  name: string;
  type: 'text';
  codes: Int32Array;
  levels: string[];
}

export type TableColumn = NumericColumn | TextColumn;

export interface Table {
  path: string;
  format: 'csv' | 'parquet';
  rowCount: number;
  columns: TableColumn[];
  /** Present when only a sample of the file's rows was read: every `every`-th of its `fileRows` data rows. */
  sample?: { every: number; fileRows: number };
}

/** Cells read as missing in CSV files, compared after trimming and lower-casing. */
const MISSING_WORDS: ReadonlySet<string> = new Set(['', 'na', 'n/a', '#n/a', 'nan', 'null', 'none', 'nil', 'missing', '?', '-', '--', '.']);

export function isMissingToken(cell: string): boolean {
  const trimmed = cell.trim();
  return trimmed.length <= 7 && MISSING_WORDS.has(trimmed.toLowerCase());
}

/** The largest chunk; the first is FIRST_CHUNK values, each next one twice the last up to this. */
const CHUNK = 1 << 16;
/**
 * Small first chunks keep a wide table cheap: a 1,000,000-column header with a few rows costs 16 values
 * per column, not a 65,536-value chunk each (0.5 TB of address space, gigabytes of touched pages).
 */
const FIRST_CHUNK = 16;

/**
 * Columns share ArrayBuffers of up to this many bytes: a wide table's million columns are then a few
 * buffers, not a million (each ArrayBuffer is an external allocation the garbage collector tracks, which
 * cost more than the parsing at 10^6 columns), while a tall column keeps a buffer of its own.
 */
const SHARED_BUFFER_BYTES = 64 * 1024 * 1024;

/** `count` typed arrays of `length` values each, packed side by side into shared ArrayBuffers. */
export function allocateColumns<A extends Float64Array | Int32Array>(
  kind: { new (buffer: ArrayBuffer, byteOffset: number, length: number): A; BYTES_PER_ELEMENT: number },
  count: number,
  length: number,
): A[] {
  const columnBytes = length * kind.BYTES_PER_ELEMENT;
  const perBuffer = Math.max(1, Math.floor(SHARED_BUFFER_BYTES / Math.max(columnBytes, 1)));
  const arrays: A[] = [];
  for (let first = 0; first < count; first += perBuffer) {
    const inThisBuffer = Math.min(perBuffer, count - first);
    const buffer = new ArrayBuffer(inThisBuffer * columnBytes);
    for (let c = 0; c < inThisBuffer; c++) arrays.push(new kind(buffer, c * columnBytes, length));
  }
  return arrays;
}

/**
 * Values appended into chunks of growing size (never one array re-allocated as it grows): the first
 * FIRST_CHUNK in a plain array (a heap object, no ArrayBuffer of its own), then typed chunks.
 */
class ChunkedValues<A extends Float64Array | Int32Array> {
  private head: number[] = [];
  private chunks: A[] = [];
  private current: A | undefined;
  private offset = 0;
  length = 0;

  constructor(private readonly allocate: (size: number) => A) {}

  push(value: number): void {
    if (this.length < FIRST_CHUNK) {
      this.head.push(value);
      this.length++;
      return;
    }
    let current = this.current;
    if (current === undefined || this.offset === current.length) {
      current = this.allocate(current === undefined ? 2 * FIRST_CHUNK : Math.min(CHUNK, current.length * 2));
      this.chunks.push(current);
      this.current = current;
      this.offset = 0;
    }
    current[this.offset++] = value;
    this.length++;
  }

  /** Each value in order. */
  forEach(visit: (value: number) => void): void {
    for (const value of this.head) visit(value);
    let left = this.length - this.head.length;
    for (const chunk of this.chunks) {
      const count = Math.min(chunk.length, left);
      for (let i = 0; i < count; i++) visit(chunk[i]!);
      left -= count;
    }
  }

  /** The values in one array of their length, each chunk released once copied. */
  take(target: A): A {
    const chunks: Array<A | undefined> = this.chunks;
    const head = this.head;
    for (let i = 0; i < head.length; i++) target[i] = head[i]!;
    let at = head.length;
    for (let index = 0; index < chunks.length; index++) {
      const chunk = chunks[index]!;
      const count = Math.min(chunk.length, this.length - at);
      target.set(chunk.subarray(0, count) as never, at);
      at += count;
      chunks[index] = undefined;
    }
    this.clear();
    return target;
  }

  clear(): void {
    this.head = [];
    this.chunks = [];
    this.current = undefined;
    this.offset = 0;
    this.length = 0;
  }
}

// One allocator of each kind for every builder (a closure per builder would cost a million at 10^6 columns).
const newFloat64Chunk = (size: number): Float64Array<ArrayBuffer> => new Float64Array(size);
const newInt32Chunk = (size: number): Int32Array<ArrayBuffer> => new Int32Array(size);

/**
 * Accumulates one column's cells in typed chunks. A column stays numeric until a cell that is neither a
 * number nor missing arrives; then it becomes a text column, its earlier numbers turned into their
 * decimal text.
 */
export class ColumnBuilder {
  private numbers = new ChunkedValues(newFloat64Chunk);
  private codes: ChunkedValues<Int32Array> | undefined;
  private levels: string[] = [];
  private levelIndex: Map<string, number> | undefined;
  private text = false;
  private nonFiniteRows = 0;

  /** With `decimalComma`, "1,5" reads as 1.5 (semicolon-separated files from comma-decimal locales). */
  constructor(
    readonly name: string,
    private readonly decimalComma = false,
  ) {}

  get isText(): boolean {
    return this.text;
  }

  get rowCount(): number {
    return this.text ? this.codes!.length : this.numbers.length;
  }

  /** Adds one CSV cell. */
  pushCell(cell: string): void {
    if (!this.text) {
      let number = parseNumber(cell);
      if (number === undefined && this.decimalComma && DECIMAL_COMMA.test(cell)) number = Number(cell.trim().replace(',', '.'));
      if (number !== undefined) return this.pushNumber(number);
      this.switchToText();
    }
    const trimmed = cell.trim();
    this.codes!.push(isMissingToken(trimmed) ? -1 : this.codeFor(trimmed));
  }

  pushNumber(value: number): void {
    if (this.text) {
      this.codes!.push(Number.isNaN(value) ? -1 : this.codeFor(String(value)));
      return;
    }
    this.numbers.push(value);
    if (!(value - value === 0)) this.nonFiniteRows++; // NaN (missing) and ±Infinity give NaN
  }

  /** Adds one text (or boolean) value; null and undefined are missing. */
  pushText(value: string | null | undefined): void {
    if (!this.text) this.switchToText();
    this.codes!.push(value === null || value === undefined ? -1 : this.codeFor(value));
  }

  private codeFor(value: string): number {
    const index = (this.levelIndex ??= new Map());
    let code = index.get(value);
    if (code === undefined) {
      code = this.levels.length;
      this.levels.push(value);
      index.set(value, code);
    }
    return code;
  }

  private switchToText(): void {
    this.text = true;
    const codes = new ChunkedValues(newInt32Chunk);
    this.numbers.forEach((value) => codes.push(Number.isNaN(value) ? -1 : this.codeFor(String(value))));
    this.numbers.clear();
    this.codes = codes;
  }

  /**
   * The finished column, copied into `into` (of rowCount values, from allocateColumns; a new array when
   * not given); the chunks are released one by one while copying.
   */
  build(into?: { numbers?: Float64Array<ArrayBuffer>; codes?: Int32Array<ArrayBuffer> }): TableColumn {
    if (this.text) {
      const codes = this.codes!.take(into?.codes ?? new Int32Array(this.codes!.length));
      return { name: this.name, type: 'text', codes, levels: this.levels };
    }
    const values = this.numbers.take(into?.numbers ?? new Float64Array(this.numbers.length));
    return { name: this.name, type: 'numeric', values, nonFiniteRows: this.nonFiniteRows };
  }
}

/**
 * Every builder's column (each of `rowCount` values), numeric and text columns each packed side by side
 * as allocateColumns does, a buffer allocated only when the one before is full: each column's chunks
 * are released as it is copied, so the peak stays one buffer above the data.
 */
export function buildColumns(builders: readonly ColumnBuilder[], rowCount: number): TableColumn[] {
  const textCount = builders.reduce((count, builder) => count + (builder.isText ? 1 : 0), 0);
  const numbers = new ColumnPool(Float64Array, builders.length - textCount, rowCount);
  const codes = new ColumnPool(Int32Array, textCount, rowCount);
  return builders.map((builder) => (builder.isText ? builder.build({ codes: codes.next() }) : builder.build({ numbers: numbers.next() })));
}

/** allocateColumns one shared buffer at a time. */
class ColumnPool<A extends Float64Array | Int32Array> {
  private ready: A[] = [];
  private left: number;
  private readonly perBuffer: number;

  constructor(
    private readonly kind: { new (buffer: ArrayBuffer, byteOffset: number, length: number): A; BYTES_PER_ELEMENT: number },
    count: number,
    private readonly length: number,
  ) {
    this.left = count;
    this.perBuffer = Math.max(1, Math.floor(SHARED_BUFFER_BYTES / Math.max(length * kind.BYTES_PER_ELEMENT, 1)));
  }

  next(): A {
    if (this.ready.length === 0) {
      const count = Math.min(this.perBuffer, this.left);
      this.ready = allocateColumns(this.kind, count, this.length).reverse();
      this.left -= count;
    }
    return this.ready.pop()!;
  }
}

const DECIMAL_COMMA = /^\s*[-+]?\d*,\d+(?:[eE][-+]?\d+)?\s*$/;

/** A CSV cell as a number: NaN for a missing token, undefined when it is text. */
export function parseNumber(cell: string): number | undefined {
  const value = +cell;
  if (value === value) {
    // `+''` and `+'  '` are 0 and `+'0x1A'` is 26: accept plain decimal notation only.
    if (cell.length === 0 || !isDecimalText(cell)) return isMissingToken(cell) ? Number.NaN : undefined;
    return value;
  }
  const trimmed = cell.trim();
  if (isMissingToken(trimmed)) return Number.NaN;
  if (trimmed === 'inf' || trimmed === 'Infinity' || trimmed === '+inf' || trimmed === 'Inf') return Number.POSITIVE_INFINITY;
  if (trimmed === '-inf' || trimmed === '-Infinity' || trimmed === '-Inf') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function isDecimalText(cell: string): boolean {
  // Fast check on the first significant character: digits, sign or point. Hex, binary and octal
  // literals start with "0x"/"0b"/"0o", which the second check rejects.
  let start = 0;
  while (start < cell.length && cell.charCodeAt(start) === 32) start++;
  if (start === cell.length) return false;
  const first = cell.charCodeAt(start);
  if (!((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46)) return false;
  if (first === 48 && cell.length > start + 1) {
    const second = cell.charCodeAt(start + 1) | 32;
    if (second === 120 || second === 98 || second === 111) return false;
  }
  return true;
}

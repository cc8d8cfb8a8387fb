// Typed table columns: what the CSV and Parquet readers produce and the MI engine consumes. A table is
// a list of columns, each held in one typed array (never one object per row), so a million rows ×
// a hundred numeric columns take 800 MB of float64 and nothing else.

/** Numbers; missing values are NaN. */
export interface NumericColumn {
  name: string;
  type: 'numeric';
  values: Float64Array;
  /**
   * True when the reader knows every value is a finite number (ColumnBuilder, or the native CSV parser
   * where it read no missing cell into the column): consumers may then skip a scan for missing values.
   */
  allFinite?: boolean;
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
}

/** Cells read as missing in CSV files, compared after trimming and lower-casing. */
const MISSING_WORDS: ReadonlySet<string> = new Set(['', 'na', 'n/a', '#n/a', 'nan', 'null', 'none', 'nil', 'missing', '?', '-', '--', '.']);

export function isMissingToken(cell: string): boolean {
  const trimmed = cell.trim();
  return trimmed.length <= 7 && MISSING_WORDS.has(trimmed.toLowerCase());
}

const CHUNK = 1 << 16;

/**
 * Accumulates one column's cells in fixed-size typed chunks. A column stays numeric until a cell that is
 * neither a number nor missing arrives; then it becomes a text column, its earlier numbers turned into
 * their decimal text.
 */
export class ColumnBuilder {
  private numericChunks: Float64Array[] = [];
  private codeChunks: Int32Array[] = [];
  private levels: string[] = [];
  private levelIndex = new Map<string, number>();
  private length = 0;
  private text = false;
  private allFinite = true;

  /** With `decimalComma`, "1,5" reads as 1.5 (semicolon-separated files from comma-decimal locales). */
  constructor(
    readonly name: string,
    private readonly decimalComma = false,
  ) {}

  get isText(): boolean {
    return this.text;
  }

  get rowCount(): number {
    return this.length;
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
    this.pushCode(isMissingToken(trimmed) ? -1 : this.codeFor(trimmed));
  }

  pushNumber(value: number): void {
    if (this.text) {
      this.pushCode(Number.isNaN(value) ? -1 : this.codeFor(String(value)));
      return;
    }
    const offset = this.length % CHUNK;
    if (offset === 0) this.numericChunks.push(new Float64Array(CHUNK));
    this.numericChunks[this.numericChunks.length - 1]![offset] = value;
    this.allFinite &&= value - value === 0; // NaN (missing) and ±Infinity give NaN
    this.length++;
  }

  /** Adds one text (or boolean) value; null and undefined are missing. */
  pushText(value: string | null | undefined): void {
    if (!this.text) this.switchToText();
    this.pushCode(value === null || value === undefined ? -1 : this.codeFor(value));
  }

  private codeFor(value: string): number {
    let code = this.levelIndex.get(value);
    if (code === undefined) {
      code = this.levels.length;
      this.levels.push(value);
      this.levelIndex.set(value, code);
    }
    return code;
  }

  private pushCode(code: number): void {
    const offset = this.length % CHUNK;
    if (offset === 0) this.codeChunks.push(new Int32Array(CHUNK));
    this.codeChunks[this.codeChunks.length - 1]![offset] = code;
    this.length++;
  }

  private switchToText(): void {
    const numbers = this.numericChunks;
    const count = this.length;
    this.text = true;
    this.numericChunks = [];
    this.length = 0;
    for (let i = 0; i < count; i++) {
      const value = numbers[Math.floor(i / CHUNK)]![i % CHUNK]!;
      this.pushCode(Number.isNaN(value) ? -1 : this.codeFor(String(value)));
    }
  }

  /** The finished column; the chunks are released one by one while copying. */
  build(): TableColumn {
    const count = this.length;
    if (this.text) {
      const codes = new Int32Array(count);
      this.codeChunks.forEach((chunk, index) => codes.set(chunk.subarray(0, Math.min(CHUNK, count - index * CHUNK)), index * CHUNK));
      this.codeChunks = [];
      return { name: this.name, type: 'text', codes, levels: this.levels };
    }
    const values = new Float64Array(count);
    for (let index = 0; index < this.numericChunks.length; index++) {
      values.set(this.numericChunks[index]!.subarray(0, Math.min(CHUNK, count - index * CHUNK)), index * CHUNK);
      this.numericChunks[index] = EMPTY;
    }
    this.numericChunks = [];
    return { name: this.name, type: 'numeric', values, allFinite: this.allFinite };
  }
}

const EMPTY = new Float64Array(0);
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

// How the CLI talks: results on stdout (JSON with --json, readable tables otherwise), progress and
// logs on stderr, so `milens … --json | jq` always sees clean JSON.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One compact JSON line (for streams of results, e.g. `search --queries`). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function logInfo(message: string): void {
  process.stderr.write(`${message}\n`);
}

export type Cell = string | number | boolean | null | undefined;

/** Formats rows as an aligned plain-text table; numbers are right-aligned. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => formatCell(cell)));
  // A loop, not Math.max(...column): a million rows would overflow the call stack as arguments.
  const widths = headers.map((header, column) => text.reduce((width, row) => Math.max(width, (row[column] ?? '').length), header.length));
  const numeric = headers.map(
    (_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] == null),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width)))].concat(text.map(line)).join('\n');
}

function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : cell.toFixed(4);
  return String(cell);
}

/** Progress on stderr that rewrites one line on a terminal and prints sparse lines otherwise. */
export function createProgressReporter(label: string): (done: number, total: number | null) => void {
  let lastPrinted = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - lastPrinted < 250 && done !== total) return;
    lastPrinted = now;
    const text = total ? `${label}: ${done}/${total}` : `${label}: ${done}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`${text}\n`);
  };
}

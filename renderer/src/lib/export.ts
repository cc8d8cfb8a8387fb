// Exports of the Tables view: the MI ranking and a feature selection as CSV (RFC 4180 quoting) or JSON,
// downloaded through a Blob link, so nothing leaves the machine.
import type { SelectReport } from '../../../main/api/contract.js';

export interface RankingRow {
  name: string;
  kind: string;
  miBits: number;
  pearson: number | null;
  spearman: number | null;
  dcor: number | null;
  pValue: number | null;
  rows: number;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(header: string[], rows: Array<Array<string | number | null>>): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function rankingCsv(rows: readonly RankingRow[]): string {
  return csv(
    ['feature', 'kind', 'mi_bits', 'pearson', 'spearman', 'dcor', 'p_value', 'rows'],
    rows.map((row) => [row.name, row.kind, row.miBits, row.pearson, row.spearman, row.dcor, row.pValue, row.rows]),
  );
}

export function selectionCsv(selection: SelectReport): string {
  return csv(
    ['rank', 'feature', `score_${selection.unit}`],
    selection.selected.map((feature, index) => [index + 1, feature.name, feature.score]),
  );
}

/** Starts a download of `text` as `fileName`. */
export function download(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

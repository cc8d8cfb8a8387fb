// How numbers read on screen: information in bits with one or three decimals, correlations with
// two, p-values in scientific notation when tiny, sizes in binary units.

export function formatBits(bits: number, digits = 1): string {
  return `${bits.toFixed(digits)} bits`;
}

export function formatCorrelation(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

export function formatPValue(value: number | null): string {
  if (value === null) return '–';
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The share done, from 0 to 100, rounded down: 100 only once everything is there. */
export function percentDone(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** The file name of a path, for either separator. */
export function baseName(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? filePath;
}

/** A duration for people: "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** Steps per second from a count and the time it took; null before anything is measurable. */
export function ratePerSecond(done: number, elapsedMs: number): number | null {
  return elapsedMs > 0 && done > 0 ? (done * 1000) / elapsedMs : null;
}

/** The folder part of a path (without the file name). */
export function folderOf(filePath: string): string {
  const index = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  return index > 0 ? filePath.slice(0, index) : filePath;
}

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

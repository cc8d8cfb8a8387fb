// Equal-frequency discretisation for the interaction terms of feature selection. Each value's bin is
// floor(bins · (number of values strictly below it) / n), so tied values always share a bin (a tie can
// never be split across bins, which would invent dependence) and heavily tied columns simply use fewer
// bins. Missing values get a bin of their own, the last.

/** Bins per continuous column for n rows: ∛(n/10) so that 3-way tables keep ~10 rows per cell, 2..10. */
export function binCount(rows: number): number {
  return Math.max(2, Math.min(10, Math.floor(Math.cbrt(rows / 10))));
}

export interface Codes {
  codes: Int32Array;
  levels: number;
}

/** Codes 0..bins−1 for present values, `bins` for NaN (only when some value is missing). */
export function equalFrequencyCodes(values: Float64Array, bins: number): Codes {
  const n = values.length;
  const present: number[] = [];
  for (let i = 0; i < n; i++) if (values[i] === values[i]) present.push(values[i]!);
  const sorted = Float64Array.from(present).sort();
  const m = sorted.length;
  const codes = new Int32Array(n);
  let missing = false;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    if (value !== value) {
      codes[i] = bins;
      missing = true;
      continue;
    }
    let low = 0,
      high = m;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    codes[i] = Math.min(bins - 1, Math.floor((bins * low) / m));
  }
  return { codes, levels: missing ? bins + 1 : bins };
}

/** Discrete codes with −1 (missing) moved to a level of its own. */
export function codesWithMissingLevel(raw: Int32Array): Codes {
  let maximum = -1,
    missing = false;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]! < 0) missing = true;
    else if (raw[i]! > maximum) maximum = raw[i]!;
  }
  const levels = maximum + 1;
  if (!missing) return { codes: raw, levels: Math.max(levels, 1) };
  const codes = raw.map((code) => (code < 0 ? levels : code));
  return { codes, levels: levels + 1 };
}

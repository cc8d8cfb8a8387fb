// IEEE 754 half-precision (float16) conversion for stored embeddings. Node 20 has no Float16Array, so
// vectors travel as Uint16Array bit patterns: 2 bytes a value halves the resident memory of a photo
// library's vectors, and a unit-length vector's values (|x| ≤ 1) keep about 3 significant digits.

const scratch = new DataView(new ArrayBuffer(4));

/** Rounds one float32 value to the nearest float16 (ties to even) and returns its bit pattern. */
export function float32ToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // infinity or NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // overflow → infinity
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the implicit leading 1 in, then round to nearest even.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const truncated = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const rounded = remainder > halfway || (remainder === halfway && (truncated & 1) === 1) ? truncated + 1 : truncated;
    return sign | rounded;
  }
  // Normal: keep 10 mantissa bits, round to nearest even; a carry correctly bumps the exponent.
  const lower = mantissa & 0x1fff;
  let half = (halfExponent << 10) | (mantissa >>> 13);
  if (lower > 0x1000 || (lower === 0x1000 && (half & 1) === 1)) half++;
  if (half >= 0x7c00) return sign | 0x7c00;
  return sign | half;
}

/** The float32 value of a float16 bit pattern (exact). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function toFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/** Widens float16 bit patterns to float32 (into `out` when given, e.g. one row of a larger matrix). */
export function fromFloat16(bits: ArrayLike<number>, out = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]);
  return out;
}

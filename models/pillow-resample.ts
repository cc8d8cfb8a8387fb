// Pillow's resampling (`Image.resize`, libImaging/Resample.c) for 8-bit RGB, reproduced step for step: a
// separable convolution, horizontal pass first, each output pixel centred at (x + 0.5) * scale, the filter
// widened by the scale when reducing, coefficients normalised then fixed to 22 fractional bits, each pass
// rounded and clipped to 8 bits. CLIP's and MobileCLIP's published preprocessing resizes with Pillow.
//
// preprocess.ts uses it where libvips differs from Pillow by more than rounding: enlarging a photo smaller than
// the model's input (measured on the shared photos: up to 109 levels at edges with libvips, from its different
// sample-centre convention). Reducing, where libvips agrees to 0.2 levels on average, stays with libvips, which
// is several times faster on large photos.

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 2 ** (PRECISION_BITS - 1);
const ONE = 2 ** PRECISION_BITS;

export type PillowFilter = 'bicubic' | 'bilinear';

const FILTERS: Record<PillowFilter, { support: number; weight: (x: number) => number }> = {
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
};

interface Coefficients {
  /** First input index of each output sample, and how many inputs it uses. */
  start: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `taps` per output sample. */
  weights: Float64Array;
  taps: number;
}

/** precompute_coeffs + normalize_coeffs_8bpc of Resample.c. */
function coefficients(inSize: number, outSize: number, filter: PillowFilter): Coefficients {
  const { support: baseSupport, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const row = new Float64Array(taps);
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    // C's (int) truncates toward zero.
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const last = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const used = last - first;
    let total = 0;
    for (let x = 0; x < used; x++) {
      row[x] = weight((x + first - centre + 0.5) / filterScale);
      total += row[x];
    }
    for (let x = 0; x < used; x++) {
      const normalised = total !== 0 ? row[x] / total : row[x];
      weights[out * taps + x] = normalised < 0 ? Math.trunc(-0.5 + normalised * ONE) : Math.trunc(0.5 + normalised * ONE);
    }
    start[out] = first;
    count[out] = used;
  }
  return { start, count, weights, taps };
}

function clip8(sum: number): number {
  const value = Math.floor(sum / ONE);
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** One pass along x (horizontal) or y (vertical) of interleaved RGB. */
function pass(source: Uint8Array, width: number, height: number, outSize: number, horizontal: boolean, filter: PillowFilter): Uint8Array {
  const inSize = horizontal ? width : height;
  const { start, count, weights, taps } = coefficients(inSize, outSize, filter);
  const outWidth = horizontal ? outSize : width;
  const outHeight = horizontal ? height : outSize;
  const result = new Uint8Array(outWidth * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const sample = horizontal ? x : y;
      const first = start[sample];
      const used = count[sample];
      const base = sample * taps;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < used; k++) {
        const w = weights[base + k];
        const index = horizontal ? (y * width + first + k) * 3 : ((first + k) * width + x) * 3;
        r += source[index] * w;
        g += source[index + 1] * w;
        b += source[index + 2] * w;
      }
      const out = (y * outWidth + x) * 3;
      result[out] = clip8(r);
      result[out + 1] = clip8(g);
      result[out + 2] = clip8(b);
    }
  }
  return result;
}

/** `Image.resize((outWidth, outHeight), filter)` of interleaved 8-bit RGB. A side that keeps its size is not resampled. */
export function pillowResize(
  rgb: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  filter: PillowFilter,
): Uint8Array {
  let pixels = rgb;
  if (outWidth !== width) pixels = pass(pixels, width, height, outWidth, true, filter);
  if (outHeight !== height) pixels = pass(pixels, outWidth, height, outHeight, false, filter);
  return pixels;
}

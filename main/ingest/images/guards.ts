// The named reasons an image is skipped, and the checks made on its header before any pixel is
// decoded. Each skip names its reason and the file; nothing else of the run is lost. What is NOT a
// skip: CMYK, 16-bit, grey, palette and alpha images (converted to 8-bit sRGB), animated images
// (their first frame is indexed and the photo is marked animated), a wrong extension on a real image.

export type ImageSkipCode = 'empty' | 'not-an-image' | 'truncated' | 'corrupt' | 'decompression-bomb' | 'absurd-dimensions';

const LABELS: Record<ImageSkipCode, string> = {
  empty: 'empty image file',
  'not-an-image': 'not an image',
  truncated: 'truncated image',
  corrupt: 'corrupt image',
  'decompression-bomb': 'decompression bomb',
  'absurd-dimensions': 'absurd image dimensions',
};

/** An image that will not be indexed, with its named reason. */
export class ImageSkipped extends Error {
  constructor(
    readonly code: ImageSkipCode,
    readonly detail: string,
  ) {
    super(`${LABELS[code]}: ${detail}`);
    this.name = 'ImageSkipped';
  }
}

/** The code a skip reason string starts with (reasons are `<label>: <detail>`), or undefined. */
export function imageSkipCodeOf(reason: string): ImageSkipCode | undefined {
  for (const [code, label] of Object.entries(LABELS)) if (reason.startsWith(`${label}:`)) return code as ImageSkipCode;
  return undefined;
}

export interface ImageLimits {
  /** Decoded pixels (width × height) above which a file is refused as a decompression bomb. */
  maxPixels: number;
  /** Longest side in pixels; a side beyond it is no photo. */
  maxSidePixels: number;
  /** Longest side / shortest side. */
  maxAspectRatio: number;
}

/**
 * 250 megapixels: above today's largest phone and medium-format sensors (200 MP, 150 MP) and stitched
 * panoramas of a few hundred degrees, far below what it takes to exhaust memory (sharp's own default is
 * 268 MP; its decoders then stream, but a PNG of that size still takes about 750 MB as 8-bit RGB).
 */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxPixels: 250_000_000, maxSidePixels: 100_000, maxAspectRatio: 200 };

/** Refuses a header whose size is a bomb or no photo, before decoding anything. */
export function checkDimensions(width: number, height: number, limits: ImageLimits): void {
  if (!(width >= 1 && height >= 1)) throw new ImageSkipped('corrupt', `the header gives a size of ${width} × ${height} pixels`);
  const pixels = width * height;
  if (pixels > limits.maxPixels)
    throw new ImageSkipped(
      'decompression-bomb',
      `${width} × ${height} = ${pixels.toLocaleString('en-US')} pixels, over the limit of ${limits.maxPixels.toLocaleString('en-US')}`,
    );
  const longest = Math.max(width, height);
  const shortest = Math.min(width, height);
  if (longest > limits.maxSidePixels || longest / shortest > limits.maxAspectRatio)
    throw new ImageSkipped(
      'absurd-dimensions',
      `${width} × ${height} pixels (limits: ${limits.maxSidePixels.toLocaleString('en-US')} px a side, aspect ratio ${limits.maxAspectRatio}:1)`,
    );
}

const TRUNCATION_MESSAGES =
  /premature end|unexpected end|end of file|truncated|bad seek|outside of file bounds|read error|not enough data/i;

/** Turns a decoder's error into a named skip: truncated when the data stops early, corrupt otherwise. */
export function skipForDecodeError(error: unknown): ImageSkipped {
  if (error instanceof ImageSkipped) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) return new ImageSkipped('decompression-bomb', firstLine(message));
  return new ImageSkipped(TRUNCATION_MESSAGES.test(message) ? 'truncated' : 'corrupt', firstLine(message));
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

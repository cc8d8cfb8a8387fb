// A photo becomes an image encoder's input tensor as the model's manifest entry says (models/manifest.ts,
// ImagePreprocessSpec): EXIF orientation applied first, converted to sRGB RGB, resized (shorter side to
// `size` then the centre square cropped, or squashed to a square), scaled to [0, 1] and normalised per channel
// with the model's mean and std, in planar RGB order (float32 [3, size, size]).
//
// Decoding is libvips' (sharp), ignoring embedded ICC profiles as the reference (Pillow's convert('RGB'))
// does. The published definitions resize with Pillow (bicubic or bilinear, 8-bit): reductions use libvips'
// resampler, enlargements Pillow's algorithm (pillow-resample.ts); test/models/preprocess-reference.test.ts
// measures both against Pillow on the shared photos.
import sharp, { type Sharp } from 'sharp';
import { invalidArgument, unreadable } from '../main/api/errors.js';
import type { ImagePreprocessSpec } from './manifest.js';
import { pillowResize } from './pillow-resample.js';

/** Pixels decoded elsewhere (e.g. HEIC), already upright: interleaved 8-bit samples, 1, 3 or 4 channels. */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export type PreprocessInput = string | Buffer | RawImage;

/** The resized size before cropping and the crop's offset: the reference rules (torchvision Resize + CenterCrop). */
export function resizeGeometry(width: number, height: number, spec: Pick<ImagePreprocessSpec, 'size' | 'resize'>) {
  const size = spec.size;
  if (spec.resize === 'squash') return { resizedWidth: size, resizedHeight: size, left: 0, top: 0 };
  // The shorter side becomes `size`; the longer is scaled and truncated (int(size * long / short)).
  const resizedWidth = width <= height ? size : Math.floor((size * width) / height);
  const resizedHeight = width <= height ? Math.floor((size * height) / width) : size;
  // CenterCrop: offsets round((resized - size) / 2), Python's round (halves to even).
  return { resizedWidth, resizedHeight, left: roundHalfEven((resizedWidth - size) / 2), top: roundHalfEven((resizedHeight - size) / 2) };
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The size x size square at (left, top) of interleaved RGB `width` pixels wide. */
function cropRgb(rgb: Uint8Array, width: number, left: number, top: number, size: number): Uint8Array {
  const result = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    result.set(rgb.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + size) * 3), y * size * 3);
  return result;
}

function describeInput(input: PreprocessInput): string {
  if (typeof input === 'string') return input;
  if (Buffer.isBuffer(input)) return `an image of ${input.length} bytes`;
  return `a ${input.width} x ${input.height} raw image`;
}

function openImage(input: PreprocessInput): Sharp {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    // Decode at full size: JPEG shrink-on-load would resample before our filter does.
    return sharp(input, { failOn: 'error', limitInputPixels: 268_402_689, ignoreIcc: true }).rotate();
  }
  const { pixels, width, height, channels } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || ![1, 3, 4].includes(channels)) {
    throw invalidArgument(`A raw image needs a positive integer width and height and 1, 3 or 4 channels`);
  }
  if (pixels.length !== width * height * channels) {
    throw invalidArgument(
      `A raw ${width} x ${height} image with ${channels} channels needs ${width * height * channels} bytes, not ${pixels.length}`,
    );
  }
  return sharp(pixels, { raw: { width, height, channels } });
}

/** The model input of one photo: float32 [3, size, size], planar R, G, B, normalised. */
export async function preprocessImage(input: PreprocessInput, spec: ImagePreprocessSpec): Promise<Float32Array> {
  const size = spec.size;
  let rgb: Uint8Array;
  try {
    // Orientation first (rotate() without arguments applies the EXIF tag), so dimensions are the upright ones.
    const upright = await openImage(input).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height, channels } = upright.info;
    const { resizedWidth, resizedHeight, left, top } = resizeGeometry(width, height, spec);
    if (resizedWidth > width || resizedHeight > height) {
      // Enlarging: Pillow's own algorithm (libvips samples at other centres; see pillow-resample.ts).
      const resized = pillowResize(upright.data, width, height, resizedWidth, resizedHeight, spec.interpolation);
      rgb = cropRgb(resized, resizedWidth, left, top, size);
    } else {
      rgb = await sharp(upright.data, { raw: { width, height, channels } })
        .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: spec.interpolation === 'bicubic' ? 'cubic' : 'linear' })
        .extract({ left, top, width: size, height: size })
        .raw()
        .toBuffer();
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'INVALID_ARGUMENT') throw error;
    if (typeof input === 'string') throw unreadable(input, `cannot decode the image: ${(error as Error).message}`);
    throw invalidArgument(`Cannot decode ${describeInput(input)}: ${(error as Error).message}`);
  }
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    const scale = 1 / (255 * spec.std[channel]);
    const offset = spec.mean[channel] / spec.std[channel];
    const base = channel * plane;
    for (let i = 0; i < plane; i++) tensor[base + i] = rgb[i * 3 + channel] * scale - offset;
  }
  return tensor;
}

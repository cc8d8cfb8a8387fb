// Decodes an image once into the "working image" every output is derived from: 8-bit sRGB, 3 channels,
// EXIF orientation applied first, alpha flattened onto white, at most `workingSide` pixels a side
// (JPEG and WebP shrink while decoding, so a 24 MP photo never exists at full size in memory). CMYK,
// 16-bit, grey and palette images come out as the same 8-bit RGB; animated images give their first frame.
// HEIC/HEIF is decoded by libheif compiled to WebAssembly (heic-decode): sharp's bundled libvips has no
// HEVC decoder. libheif applies the file's own rotation and mirroring boxes, which is what HEIF
// orientation is, so EXIF orientation is not applied a second time there.
import { createRequire } from 'node:module';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { ImageSkipped, checkDimensions, skipForDecodeError, type ImageLimits } from './guards.js';
import type { ImageFormat } from './sniff.js';

export interface WorkingImage {
  /** width × height × 3 bytes, RGB. */
  pixels: Buffer;
  width: number;
  height: number;
}

export interface ImageHeader {
  /** Pixel size after EXIF orientation. */
  width: number;
  height: number;
  /** More than one frame (GIF, WebP): only the first is indexed. */
  animated: boolean;
  /** The raw EXIF block, when the file has one. */
  exif?: Buffer;
  /** Has an alpha channel (then flattened onto white when decoding). */
  hasAlpha: boolean;
}

/** sharp does not limit the input itself: our own check ran on the header, and this is the second line. */
function sharpInputOptions(limits: ImageLimits): SharpOptions {
  // failOn 'truncated': a JPEG ending early is refused, while the harmless warnings real cameras'
  // files raise (a stray byte after the image, a non-standard marker) are not.
  return { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1, page: 0 };
}

/** Reads the header only (no pixels): size, orientation, frames, EXIF; refuses bombs and absurd sizes. */
export async function readImageHeader(bytes: Uint8Array, format: ImageFormat, limits: ImageLimits): Promise<ImageHeader> {
  // The header read must not refuse on size: checkDimensions names the reason better than sharp does.
  const metadata: Metadata = await withTrustedDecoderError(bytes, format, () =>
    sharp(bytes, { limitInputPixels: false, failOn: 'truncated' }).metadata(),
  );
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.height ?? 0;
  // libheif decodes HEIF with its own transforms applied; sharp reports the stored size there.
  const oriented =
    format === 'heic'
      ? { width: storedWidth, height: storedHeight }
      : (metadata.autoOrient ?? { width: storedWidth, height: storedHeight });
  checkDimensions(storedWidth, storedHeight, limits);
  return {
    width: oriented.width,
    height: oriented.height,
    animated: (metadata.pages ?? 1) > 1,
    exif: metadata.exif,
    hasAlpha: metadata.hasAlpha ?? false,
  };
}

/** Decodes to the working image (see the module comment). Throws ImageSkipped when the pixels cannot be read. */
export async function decodeWorkingImage(
  bytes: Uint8Array,
  format: ImageFormat,
  limits: ImageLimits,
  workingSide: number,
  hasAlpha = true,
): Promise<WorkingImage> {
  return withTrustedDecoderError(bytes, format, () => decodeOnce(bytes, format, limits, workingSide, hasAlpha));
}

/** The words by which libvips' messages name each format's loader ("VipsJpeg: …", "vipspng: …", "heifload: …"). */
const LOADER_WORDS: Record<ImageFormat, RegExp> = {
  jpeg: /jpe?g/i,
  png: /png/i,
  webp: /webp/i,
  avif: /heif|avif/i,
  heic: /heif|heic/i,
  gif: /gif/i,
  tiff: /tiff/i,
};

/**
 * Whether a decoder's message can be taken as this file's. libvips keeps one error buffer for the whole
 * process, and the image pool decodes in several threads: a failing decode can read "Unknown error", or
 * the message of another file failing at the same moment ("vipspng: libpng read error" for a JPEG).
 */
function untrustedDecoderMessage(error: unknown, format: ImageFormat): boolean {
  if (error instanceof ImageSkipped) return false;
  const message = error instanceof Error ? error.message.trim() : String(error);
  if (message === '' || /^unknown error$/i.test(message)) return true;
  const namesAnotherLoader = (Object.keys(LOADER_WORDS) as ImageFormat[]).some(
    (other) => !LOADER_WORDS[format].test(other) && LOADER_WORDS[other].test(message) && !LOADER_WORDS[format].test(message),
  );
  return namesAnotherLoader;
}

/**
 * Runs one decoding step; when it fails with a message that cannot be this file's, runs it once more for
 * the real message, and where that is lost again, tells a file that stops early by its missing end marker.
 */
async function withTrustedDecoderError<T>(bytes: Uint8Array, format: ImageFormat, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!untrustedDecoderMessage(error, format)) throw skipForDecodeError(error);
    try {
      return await attempt();
    } catch (retryError) {
      if (!untrustedDecoderMessage(retryError, format)) throw skipForDecodeError(retryError);
      throw structurallyTruncated(bytes, format)
        ? new ImageSkipped('truncated', `the ${format.toUpperCase()} data ends before its end marker`)
        : new ImageSkipped('corrupt', 'the decoder failed without a usable message');
    }
  }
}

/** JPEG without its end-of-image marker (FF D9) in the last bytes, or PNG without its IEND chunk. */
export function structurallyTruncated(bytes: Uint8Array, format: ImageFormat): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 16));
  if (format === 'jpeg') return !tail.some((value, index) => value === 0xff && tail[index + 1] === 0xd9);
  if (format === 'png') return !Buffer.from(tail).includes('IEND');
  return false;
}

async function decodeOnce(
  bytes: Uint8Array,
  format: ImageFormat,
  limits: ImageLimits,
  workingSide: number,
  hasAlpha: boolean,
): Promise<WorkingImage> {
  const source = format === 'heic' ? await decodeHeic(bytes, limits) : sharp(bytes, sharpInputOptions(limits)).autoOrient();
  const resized = source.resize(workingSide, workingSide, { fit: 'inside', withoutEnlargement: true });
  // Flattening costs a pass over the pixels (~10 ms on a 1024 px image); only images with alpha need it.
  const flattened = hasAlpha || format === 'heic' ? resized.flatten({ background: '#ffffff' }) : resized.removeAlpha();
  const { data, info } = await flattened.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new ImageSkipped('corrupt', `decoded to ${info.channels} channels instead of 3`);
  return { pixels: data, width: info.width, height: info.height };
}

/** heic-decode 2 (libheif compiled to WebAssembly) ships no types: what this module uses of it. */
interface HeicImage {
  width: number;
  height: number;
  /** RGBA, 8 bits a channel, row-major. */
  decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}
interface HeicDecode {
  all(options: { buffer: Uint8Array }): Promise<HeicImage[] & { dispose(): void }>;
}
let heicDecode: HeicDecode | undefined;

async function decodeHeic(bytes: Uint8Array, limits: ImageLimits): Promise<Sharp> {
  // Loaded on the first HEIC: the WebAssembly module takes a while to compile.
  heicDecode ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  const images = await heicDecode.all({ buffer: bytes });
  try {
    const primary = images[0];
    if (!primary) throw new ImageSkipped('corrupt', 'the HEIF file holds no image');
    checkDimensions(primary.width, primary.height, limits);
    const { width, height, data } = await primary.decode();
    return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      raw: { width, height, channels: 4 },
      limitInputPixels: limits.maxPixels,
    });
  } finally {
    images.dispose();
  }
}

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
}

/** sharp does not limit the input itself: our own check ran on the header, and this is the second line. */
function sharpInputOptions(limits: ImageLimits): SharpOptions {
  // failOn 'truncated': a JPEG ending early is refused, while the harmless warnings real cameras'
  // files raise (a stray byte after the image, a non-standard marker) are not.
  return { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1, page: 0 };
}

/** Reads the header only (no pixels): size, orientation, frames, EXIF; refuses bombs and absurd sizes. */
export async function readImageHeader(bytes: Uint8Array, format: ImageFormat, limits: ImageLimits): Promise<ImageHeader> {
  let metadata: Metadata;
  try {
    // The header read must not refuse on size: checkDimensions names the reason better than sharp does.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'truncated' }).metadata();
  } catch (error) {
    throw skipForDecodeError(error);
  }
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.height ?? 0;
  // libheif decodes HEIF with its own transforms applied; sharp reports the stored size there.
  const oriented =
    format === 'heic'
      ? { width: storedWidth, height: storedHeight }
      : (metadata.autoOrient ?? { width: storedWidth, height: storedHeight });
  checkDimensions(storedWidth, storedHeight, limits);
  return { width: oriented.width, height: oriented.height, animated: (metadata.pages ?? 1) > 1, exif: metadata.exif };
}

/** Decodes to the working image (see the module comment). Throws ImageSkipped when the pixels cannot be read. */
export async function decodeWorkingImage(
  bytes: Uint8Array,
  format: ImageFormat,
  limits: ImageLimits,
  workingSide: number,
): Promise<WorkingImage> {
  try {
    const source = format === 'heic' ? await decodeHeic(bytes, limits) : sharp(bytes, sharpInputOptions(limits)).autoOrient();
    const { data, info } = await source
      .resize(workingSide, workingSide, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageSkipped('corrupt', `decoded to ${info.channels} channels instead of 3`);
    return { pixels: data, width: info.width, height: info.height };
  } catch (error) {
    throw skipForDecodeError(error);
  }
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

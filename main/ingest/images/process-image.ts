// One image, bytes in, everything the index keeps out: the photo's metadata, its two thumbnails and,
// when a model is installed, the model's input pixels — all from a single decode of the file. A pure
// function of its input (no database, no file system, no shared state), so it runs the same in the
// indexing process or in a worker thread; its outputs are plain buffers that can be transferred.
import type { PhotoMetadata } from '../../api/contract.js';
import { decodeWorkingImage, readImageHeader, type WorkingImage } from './decode.js';
import { readExifFacts } from './exif.js';
import { DEFAULT_IMAGE_LIMITS, ImageSkipped, type ImageLimits } from './guards.js';
import { sniffImageFormat } from './sniff.js';
import { THUMBNAIL_SIDE_PIXELS, type EncodedThumbnails } from './thumbnail-cache.js';
import { encodeThumbnails } from './thumbnails.js';
import sharp from 'sharp';

export interface ImageJobRequest {
  bytes: Uint8Array;
  /** The file's extension, only to word the "not an image" reason. */
  extension?: string;
  limits?: ImageLimits;
  /** Side of the square model input to derive (e.g. 224 for CLIP ViT-B/32); none when no model is installed. */
  modelInputSide?: number;
}

/** A model's input: side × side RGB, 8 bits a channel, the shorter side resized to `side` and centre-cropped. */
export interface ModelInputPixels {
  side: number;
  pixels: Buffer;
}

export interface ProcessedImage {
  metadata: PhotoMetadata;
  animated: boolean;
  thumbnails: EncodedThumbnails;
  modelInput?: ModelInputPixels;
}

/** Processes one image; throws ImageSkipped (with its named reason) for anything that is not indexable. */
export async function processImage(request: ImageJobRequest): Promise<ProcessedImage> {
  const { bytes } = request;
  const limits = request.limits ?? DEFAULT_IMAGE_LIMITS;
  if (bytes.length === 0) throw new ImageSkipped('empty', 'the file has 0 bytes');
  const format = sniffImageFormat(bytes);
  if (!format)
    throw new ImageSkipped(
      'not-an-image',
      `its bytes are no JPEG, PNG, WebP, AVIF, GIF, TIFF or HEIC${request.extension ? ` (despite the extension ${request.extension})` : ''}`,
    );
  const header = await readImageHeader(bytes, format, limits);
  const [exif, working] = await Promise.all([
    readExifFacts(header.exif),
    decodeWorkingImage(bytes, format, limits, THUMBNAIL_SIDE_PIXELS.large),
  ]);
  const [thumbnails, modelInput] = await Promise.all([
    encodeThumbnails(working),
    request.modelInputSide ? deriveModelInput(working, request.modelInputSide) : Promise.resolve(undefined),
  ]);
  return {
    metadata: { format, width: header.width, height: header.height, ...exif },
    animated: header.animated,
    thumbnails,
    modelInput,
  };
}

/** The model input from the working image (no second decode of the file). */
export async function deriveModelInput(image: WorkingImage, side: number): Promise<ModelInputPixels> {
  const pixels = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(side, side, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { side, pixels };
}

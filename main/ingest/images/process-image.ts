// One image, bytes in, everything the index keeps out: the photo's metadata, its two thumbnails and,
// when a model's vector is due, the model's input tensor — all from a single decode of the file. A pure
// function of its input (no database, no file system, no shared state): it runs as the `image` job in
// the ingestion worker pool (main/ingest/isolation/jobs/image-job.ts); its outputs are plain buffers.
//
// The model input is made by the model's own preprocessing (models/preprocess.ts) from the working
// image, not from the file: for photos over 1024 px a side that is a resample of a 1024 px image rather
// than of the full-size one (the price of decoding once; the same shorter-side-then-centre-crop rule).
import type { PhotoMetadata } from '../../api/contract.js';
import { decodeWorkingImage, readImageHeader, type WorkingImage } from './decode.js';
import { readExifFacts } from './exif.js';
import { DEFAULT_IMAGE_LIMITS, ImageSkipped, type ImageLimits } from './guards.js';
import { sniffImageFormat } from './sniff.js';
import { THUMBNAIL_SIDE_PIXELS, type EncodedThumbnails } from './thumbnail-cache.js';
import { encodeThumbnails } from './thumbnails.js';
import type { ImagePreprocessSpec } from '../../../models/manifest.js';
import { preprocessImage } from '../../../models/preprocess.js';

export interface ImageJobRequest {
  bytes: Uint8Array;
  /** The file's extension, only to word the "not an image" reason. */
  extension?: string;
  limits?: ImageLimits;
  /** The model's preprocessing when its vector is due; none when no model is installed or the bytes have one. */
  modelPreprocess?: ImagePreprocessSpec;
  /** Encode the thumbnails (default true; the embedding pass of photos already indexed needs only the model input). */
  thumbnails?: boolean;
}

/** A model's input tensor: float32 [3, size, size], planar RGB, normalised (models/preprocess.ts). */
export type ModelInput = Float32Array;

export interface ProcessedImage {
  metadata: PhotoMetadata;
  animated: boolean;
  /** Absent when `thumbnails: false` was asked for. */
  thumbnails?: EncodedThumbnails;
  modelInput?: ModelInput;
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
    request.thumbnails === false ? undefined : encodeThumbnails(working),
    request.modelPreprocess ? deriveModelInput(working, request.modelPreprocess) : undefined,
  ]);
  return {
    metadata: { format, width: header.width, height: header.height, ...exif },
    animated: header.animated,
    thumbnails,
    modelInput,
  };
}

/** The model input from the working image (no second decode of the file). */
export function deriveModelInput(image: WorkingImage, spec: ImagePreprocessSpec): Promise<ModelInput> {
  return preprocessImage({ pixels: image.pixels, width: image.width, height: image.height, channels: 3 }, spec);
}

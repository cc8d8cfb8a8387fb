// The image branch of an indexing run: reads one file, and unless its bytes are those already indexed,
// runs the image job (metadata, thumbnails, model input from one decode) and caches the thumbnails.
// What comes back is committed by the indexing service with the document row, in one transaction.
import path from 'node:path';
import type { PhotoMetadata } from '../../api/contract.js';
import { ImageSkipped, type ImageLimits } from './guards.js';
import type { ModelInputPixels } from './process-image.js';
import type { ThumbnailCache } from './thumbnail-cache.js';

export interface PreparedPhoto {
  metadata: PhotoMetadata;
  animated: boolean;
  /** Present when a model is installed and has no vector for these bytes yet. */
  modelInput?: ModelInputPixels;
}

export interface ImageIngestContext {
  thumbnails: ThumbnailCache;
  limits: ImageLimits;
  /** The model input to derive: none when no model is installed or the bytes already have its vector. */
  modelInputSideFor(contentHash: string): number | undefined;
}

/** Processes one image's bytes; throws ImageSkipped with the named reason. */
export async function prepareImage(
  filePath: string,
  bytes: Buffer,
  contentHash: string,
  context: ImageIngestContext,
): Promise<PreparedPhoto> {
  // The image libraries load with the first photo of a run, not with the indexing service.
  const { processImage } = await import('./process-image.js');
  const processed = await processImage({
    bytes,
    extension: path.extname(filePath),
    limits: context.limits,
    modelInputSide: context.modelInputSideFor(contentHash),
  });
  // Before the commit: a crash between the two leaves unused thumbnails, never a photo without them.
  await context.thumbnails.write(contentHash, processed.thumbnails);
  return { metadata: processed.metadata, animated: processed.animated, modelInput: processed.modelInput };
}

export function imageSkipReason(error: unknown): string | undefined {
  return error instanceof ImageSkipped ? error.message : undefined;
}

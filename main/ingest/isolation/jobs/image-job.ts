// The `image` job: a photo's bytes to its metadata, thumbnails and (when asked) the model's input
// tensor, by processImage in a pool worker, so a decoder's crash, memory or time stays there. The bytes
// arrive transferred; the thumbnails and the tensor go back transferred. A named image skip (truncated,
// decompression bomb…) comes back as the job's refusal, its reason unchanged.
import { ImageSkipped } from '../../images/guards.js';
import { processImage, type ImageJobRequest, type ProcessedImage } from '../../images/process-image.js';
import { JobRefusedError, type JobContext } from '../job-protocol.js';

export type ImageJobPayload = ImageJobRequest;
export type ImageJobResult = ProcessedImage;

/** Marks a buffer for transfer when the view owns all of it (a view into a shared pool must be copied). */
function transferIfOwned(view: Uint8Array | Float32Array | undefined, context: JobContext): void {
  if (view && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer)
    context.transfer(view.buffer);
}

export async function imageJob(payload: ImageJobPayload, context: JobContext): Promise<ImageJobResult> {
  let result: ProcessedImage;
  try {
    result = await processImage(payload);
  } catch (error) {
    if (error instanceof ImageSkipped) throw new JobRefusedError(error.message);
    throw error;
  }
  // A Buffer may be a view into a larger allocation; copy such a one into its own so that it can move.
  const own = (bytes: Uint8Array) =>
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  if (result.thumbnails) result.thumbnails = { small: own(result.thumbnails.small), large: own(result.thumbnails.large) };
  transferIfOwned(result.thumbnails?.small, context);
  transferIfOwned(result.thumbnails?.large, context);
  transferIfOwned(result.modelInput, context);
  return result;
}

// What the image path needs from an image–text model: its id (stored with every vector), the side of
// its square input, and a batch call from input pixels to vectors. The installed model's embedder is
// adapted to this (see embedder-source.ts); the indexing service only knows this interface, so it
// counts, batches and stores without caring which runtime computes.
import type { ModelInputPixels } from './process-image.js';

export interface ImageEmbedder {
  readonly modelId: string;
  /** Side of the square RGB input the model takes, in pixels (224 for CLIP ViT-B/32). */
  readonly inputSide: number;
  /** One vector per input, in order (any scale: the store L2-normalises). */
  embedImages(inputs: readonly ModelInputPixels[]): Promise<Float32Array[]>;
}

/** Finds the embedder of the model in force, or undefined when no image–text model is installed. */
export type ImageEmbedderSource = () => Promise<ImageEmbedder | undefined>;

// What the image path needs from an image–text model: its id (stored with every vector), its
// preprocessing (run in the pool worker from the one decoded image) and a batch call from input tensors
// to vectors. models/embedder.ts's Embedder is one; the indexing service only knows this much, so it
// counts, batches and stores without caring which runtime computes.
import type { Embedder } from '../../../models/embedder.js';

export type ImageEmbedder = Pick<Embedder, 'modelId' | 'imagePreprocess' | 'embedImages'>;

/** Finds the embedder of the model in force, or undefined when no image–text model is installed. */
export type ImageEmbedderSource = () => Promise<ImageEmbedder | undefined>;

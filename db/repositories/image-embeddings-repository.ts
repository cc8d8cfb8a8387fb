// Data access for `image_embeddings` (migration 003): one L2-normalised float16 vector per (model id,
// content hash). Photos share a vector when their bytes are identical, so a renamed, moved or copied
// photo is never run through the model twice.
//
// For ranking — the resident vectors of one model with their item ids:
//   const embeddings = new ImageEmbeddingsRepository(db);
//   const { itemIds, vectors, dimension } = embeddings.residentVectors('clip-vit-b32');
//   // itemIds[i] is a documents.id (a photo of an indexed collection); row i of `vectors` is
//   // vectors.subarray(i * dimension, (i + 1) * dimension), float16 bit patterns (widen with
//   // fromFloat16 from ./float16.js). Items sharing bytes share a vector, repeated per item.
//   embeddings.coverage('clip-vit-b32') → { embedded, photos }: how many photos have a vector of that model.
//   embeddings.models()                 → every model id with vectors stored, and how many.
// Each item's metadata comes from PhotosRepository.items(itemIds) (./photos-repository.js).
import type { Database } from 'better-sqlite3';
import { fromFloat16, toFloat16 } from './float16.js';

export interface ResidentImageVectors {
  modelId: string;
  dimension: number;
  /** documents.id of each photo, in the order of the rows of `vectors` (ascending). */
  itemIds: Int32Array;
  /** Row-major itemIds.length × dimension float16 bit patterns. */
  vectors: Uint16Array;
}

export interface StoredModelVectors {
  modelId: string;
  dimension: number;
  /** Distinct content hashes with a vector of this model. */
  vectors: number;
}

export class ImageEmbeddingsRepository {
  constructor(private readonly db: Database) {}

  /** Stores (or replaces) the vector of `contentHash` for `modelId`; `vector` is float32 and is L2-normalised here. */
  put(modelId: string, contentHash: string, vector: Float32Array, embeddedAt: string): void {
    let squares = 0;
    for (const value of vector) squares += value * value;
    if (!(squares > 0) || !Number.isFinite(squares)) throw new Error(`Embedding of ${contentHash} by ${modelId} is zero or not finite.`);
    const norm = Math.sqrt(squares);
    const normalised = new Float32Array(vector.length);
    for (let i = 0; i < vector.length; i++) normalised[i] = vector[i] / norm;
    const bits = toFloat16(normalised);
    this.db
      .prepare('INSERT OR REPLACE INTO image_embeddings (model_id, content_hash, dimension, vector, embedded_at) VALUES (?, ?, ?, ?, ?)')
      .run(modelId, contentHash, vector.length, Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength), embeddedAt);
  }

  has(modelId: string, contentHash: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM image_embeddings WHERE model_id = ? AND content_hash = ?').get(modelId, contentHash) !== undefined
    );
  }

  /** The stored vector widened to float32, or undefined. */
  get(modelId: string, contentHash: string): Float32Array | undefined {
    const blob = this.db
      .prepare('SELECT vector FROM image_embeddings WHERE model_id = ? AND content_hash = ?')
      .pluck()
      .get(modelId, contentHash) as Buffer | undefined;
    return blob ? fromFloat16(bitsOf(blob)) : undefined;
  }

  /** Every photo of an indexed collection that has a vector of `modelId`, with that vector. */
  residentVectors(modelId: string): ResidentImageVectors {
    const rows = this.db
      .prepare(
        `SELECT d.id AS itemId, e.dimension, e.vector
         FROM documents d JOIN image_embeddings e ON e.content_hash = d.content_hash AND e.model_id = ?
         WHERE d.kind = 'image' ORDER BY d.id`,
      )
      .all(modelId) as Array<{ itemId: number; dimension: number; vector: Buffer }>;
    const dimension = rows[0]?.dimension ?? 0;
    const itemIds = new Int32Array(rows.length);
    const vectors = new Uint16Array(rows.length * dimension);
    rows.forEach((row, index) => {
      itemIds[index] = row.itemId;
      vectors.set(bitsOf(row.vector), index * dimension);
    });
    return { modelId, dimension, itemIds, vectors };
  }

  /** Content hashes of photos (optionally of one collection) that have no vector of `modelId` yet. */
  missing(modelId: string, collectionId?: number): Array<{ contentHash: string; path: string }> {
    const filter = collectionId === undefined ? '' : 'AND d.collection_id = @collectionId';
    return this.db
      .prepare(
        `SELECT d.content_hash AS contentHash, MIN(d.path) AS path FROM documents d
         WHERE d.kind = 'image' ${filter}
           AND NOT EXISTS (SELECT 1 FROM image_embeddings e WHERE e.model_id = @modelId AND e.content_hash = d.content_hash)
         GROUP BY d.content_hash ORDER BY path`,
      )
      .all({ modelId, collectionId }) as Array<{ contentHash: string; path: string }>;
  }

  /** Photos (files) of a collection, or of all, without a vector of `modelId` (every photo when it is null). */
  withoutVector(modelId: string | null, collectionId?: number): number {
    const filter = collectionId === undefined ? '' : 'AND d.collection_id = @collectionId';
    return this.db
      .prepare(
        `SELECT COUNT(*) FROM documents d WHERE d.kind = 'image' ${filter}
           AND NOT EXISTS (SELECT 1 FROM image_embeddings e WHERE e.model_id = @modelId AND e.content_hash = d.content_hash)`,
      )
      .pluck()
      .get({ modelId, collectionId }) as number;
  }

  coverage(modelId: string): { embedded: number; photos: number } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS photos,
                COALESCE(SUM(EXISTS (SELECT 1 FROM image_embeddings e WHERE e.model_id = ? AND e.content_hash = d.content_hash)), 0) AS embedded
         FROM documents d WHERE d.kind = 'image'`,
      )
      .get(modelId) as { embedded: number; photos: number };
  }

  models(): StoredModelVectors[] {
    return this.db
      .prepare(
        'SELECT model_id AS modelId, MAX(dimension) AS dimension, COUNT(*) AS vectors FROM image_embeddings GROUP BY model_id ORDER BY model_id',
      )
      .all() as StoredModelVectors[];
  }

  /** Deletes vectors no document refers to any more (call at the end of a run, after moves were committed). */
  removeOrphans(): number {
    return this.db
      .prepare(
        'DELETE FROM image_embeddings WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = image_embeddings.content_hash)',
      )
      .run().changes;
  }
}

function bitsOf(blob: Buffer): Uint16Array {
  // Copy: a Buffer from SQLite may sit at an odd offset of a shared pool, which Uint16Array cannot view.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Uint16Array(copy.buffer);
}

// The photo store (migration 003): photo rows cascade with their documents, vectors are float16 per
// (model, content hash), shared by identical files, and come back as one resident matrix per model.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../db/database.js';
import { MIGRATIONS } from '../../../../db/migrations/index.js';
import { photosSchema } from '../../../../db/migrations/003-photos.js';
import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16, toFloat16 } from '../../../../db/repositories/float16.js';
import { ImageEmbeddingsRepository } from '../../../../db/repositories/image-embeddings-repository.js';
import { PhotosRepository } from '../../../../db/repositories/photos-repository.js';
import { makeTempFolder } from '../../../helpers/temp.js';

function insertDocument(db: ReturnType<typeof openDatabase>, filePath: string, hash: string, kind = 'image'): number {
  return Number(
    db
      .prepare(
        "INSERT INTO documents (collection_id, path, kind, format, size, mtime_ms, content_hash, title, length, indexed_at) VALUES (1, ?, ?, 'jpeg', 1, 1, ?, ?, 0, 'now')",
      )
      .run(filePath, kind, hash, path.basename(filePath)).lastInsertRowid,
  );
}

const metadata = {
  format: 'jpeg',
  width: 40,
  height: 30,
  takenAt: '2024-05-01T10:00:00',
  takenAtOffset: '+02:00',
  cameraMake: 'FUJIFILM',
  cameraModel: 'X100V',
  lens: null,
  latitude: 48.5,
  longitude: -2.25,
};

describe('float16', () => {
  it('round-trips exactly representable values and rounds others to the nearest half', () => {
    for (const value of [0, 1, -1, 0.5, 2 ** -14, 2 ** -24, 65504, -0.333251953125])
      expect(float16BitsToFloat32(float32ToFloat16Bits(value))).toBe(value);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: ties to even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: ties to even (up)
    expect(float32ToFloat16Bits(70000)).toBe(0x7c00);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
    const values = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.37) * 0.2);
    const back = fromFloat16(toFloat16(values));
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(back[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11 + 2 ** -25);
  });
});

describe('migration 003 and the photo store', () => {
  it('is version 3 and upgrades a version-2 database', () => {
    expect(MIGRATIONS[2]).toBe(photosSchema);
    const file = path.join(makeTempFolder(), 'milens.sqlite');
    openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) }).close();
    const db = openDatabase(file);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['photos', 'image_embeddings']));
    db.close();
  });

  it('stores metadata and float16 vectors, shares a vector between identical files, and cleans orphans', () => {
    const db = openDatabase(path.join(makeTempFolder(), 'milens.sqlite'));
    db.prepare("INSERT INTO collections (id, path, name, added_at) VALUES (1, '/photos', 'photos', 'now')").run();
    const photos = new PhotosRepository(db);
    const embeddings = new ImageEmbeddingsRepository(db);
    const first = insertDocument(db, '/photos/a.jpg', 'h1');
    const copy = insertDocument(db, '/photos/copy-of-a.jpg', 'h1');
    const other = insertDocument(db, '/photos/b.jpg', 'h2');
    insertDocument(db, '/photos/notes.txt', 'h3', 'text');
    for (const id of [first, copy, other]) photos.insert({ ...metadata, documentId: id, animated: id === other });
    expect(photos.item(first)).toMatchObject({
      itemId: first,
      collectionId: 1,
      path: '/photos/a.jpg',
      contentHash: 'h1',
      photo: metadata,
      animated: false,
    });
    expect(photos.items([other, 9999]).get(other)?.animated).toBe(true);
    expect(photos.items([other, 9999]).has(9999)).toBe(false);

    embeddings.put('m', 'h1', Float32Array.from([3, 4, 0]), 'now');
    expect(embeddings.missing('m').map((row) => row.contentHash)).toEqual(['h2']);
    expect(embeddings.coverage('m')).toEqual({ embedded: 2, photos: 3 });
    const resident = embeddings.residentVectors('m');
    expect(resident.dimension).toBe(3);
    expect([...resident.itemIds]).toEqual([first, copy]);
    expect([...fromFloat16(resident.vectors.subarray(3, 6))].map((v) => Number(v.toFixed(3)))).toEqual([0.6, 0.8, 0]);
    expect(() => embeddings.put('m', 'h2', new Float32Array(3), 'now')).toThrow(/zero/);
    expect(embeddings.models()).toEqual([{ modelId: 'm', dimension: 3, vectors: 1 }]);

    db.prepare('DELETE FROM documents WHERE id IN (?, ?)').run(first, copy);
    expect(photos.count()).toBe(1);
    expect(embeddings.removeOrphans()).toBe(1);
    expect(embeddings.models()).toEqual([]);
    db.close();
  });
});

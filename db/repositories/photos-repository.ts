// Data access for `photos`: what milens read from each image document's bytes and EXIF (migration 003).
//
// Reading photos (for search, the ranking and the thumbnail routes):
//   const photos = new PhotosRepository(db);
//   photos.items([12, 40])   → Map itemId → { itemId, collectionId, path, title, contentHash, photo: PhotoMetadata }
//   photos.item(12)          → one item, or undefined when 12 is not a photo of an indexed collection
// An item id is the `documents.id` of the photo: stable while the file stays where it is in its collection.
import type { Database } from 'better-sqlite3';
import type { PhotoMetadata } from '../../main/api/contract.js';

export interface PhotoItem {
  itemId: number;
  collectionId: number;
  path: string;
  title: string;
  /** SHA-256 of the file's bytes (hex): the key of its embeddings and thumbnails. */
  contentHash: string;
  photo: PhotoMetadata;
  /** The file was animated (GIF, WebP…): only its first frame was indexed. */
  animated: boolean;
}

export interface NewPhoto extends PhotoMetadata {
  documentId: number;
  animated: boolean;
}

interface PhotoRow {
  itemId: number;
  collectionId: number;
  path: string;
  title: string;
  contentHash: string;
  format: string;
  width: number;
  height: number;
  takenAt: string | null;
  takenAtOffset: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  lens: string | null;
  latitude: number | null;
  longitude: number | null;
  animated: number;
}

const SELECT_PHOTO = `
  SELECT d.id AS itemId, d.collection_id AS collectionId, d.path, d.title, d.content_hash AS contentHash,
         p.format, p.width, p.height, p.taken_at AS takenAt, p.taken_at_offset AS takenAtOffset,
         p.camera_make AS cameraMake, p.camera_model AS cameraModel, p.lens, p.latitude, p.longitude, p.animated
  FROM photos p JOIN documents d ON d.id = p.document_id`;

function toItem(row: PhotoRow): PhotoItem {
  return {
    itemId: row.itemId,
    collectionId: row.collectionId,
    path: row.path,
    title: row.title,
    contentHash: row.contentHash,
    animated: row.animated === 1,
    photo: {
      format: row.format,
      width: row.width,
      height: row.height,
      takenAt: row.takenAt,
      takenAtOffset: row.takenAtOffset,
      cameraMake: row.cameraMake,
      cameraModel: row.cameraModel,
      lens: row.lens,
      latitude: row.latitude,
      longitude: row.longitude,
    },
  };
}

export class PhotosRepository {
  constructor(private readonly db: Database) {}

  /** Call in the same transaction as the document row it belongs to. */
  insert(photo: NewPhoto): void {
    this.db
      .prepare(
        `INSERT INTO photos (document_id, format, width, height, taken_at, taken_at_offset, camera_make, camera_model, lens, latitude, longitude, animated)
         VALUES (@documentId, @format, @width, @height, @takenAt, @takenAtOffset, @cameraMake, @cameraModel, @lens, @latitude, @longitude, @animatedFlag)`,
      )
      .run({ ...photo, animatedFlag: photo.animated ? 1 : 0 });
  }

  item(itemId: number): PhotoItem | undefined {
    const row = this.db.prepare(`${SELECT_PHOTO} WHERE d.id = ?`).get(itemId) as PhotoRow | undefined;
    return row ? toItem(row) : undefined;
  }

  items(itemIds: readonly number[]): Map<number, PhotoItem> {
    const statement = this.db.prepare(`${SELECT_PHOTO} WHERE d.id = ?`);
    const result = new Map<number, PhotoItem>();
    for (const id of itemIds) {
      const row = statement.get(id) as PhotoRow | undefined;
      if (row) result.set(id, toItem(row));
    }
    return result;
  }

  /** Every photo of a collection (or of all collections), by path. */
  list(collectionId?: number): PhotoItem[] {
    const rows = (
      collectionId === undefined
        ? this.db.prepare(`${SELECT_PHOTO} ORDER BY d.path`).all()
        : this.db.prepare(`${SELECT_PHOTO} WHERE d.collection_id = ? ORDER BY d.path`).all(collectionId)
    ) as PhotoRow[];
    return rows.map(toItem);
  }

  count(collectionId?: number): number {
    return (
      collectionId === undefined
        ? this.db.prepare('SELECT COUNT(*) FROM photos').pluck().get()
        : this.db
            .prepare('SELECT COUNT(*) FROM photos p JOIN documents d ON d.id = p.document_id WHERE d.collection_id = ?')
            .pluck()
            .get(collectionId)
    ) as number;
  }
}

// Thumbnails for the shells, by item id only (routes in thumbnail-urls.ts). The id is looked up in the
// index (a photo of an indexed collection, or nothing), the file is named by the content hash the index
// stored, and no part of the request ever reaches the file system. A thumbnail missing from the cache is
// made again from the original (read, never written), if its bytes are still the indexed ones.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { PhotosRepository } from '../../../db/repositories/photos-repository.js';
import { DEFAULT_IMAGE_LIMITS } from './guards.js';
import { ThumbnailCache, type ThumbnailSize } from './thumbnail-cache.js';
import { parseThumbnailPath } from './thumbnail-urls.js';

/** Serves thumbnails of indexed photos (see the module comment). */
export class ThumbnailServer {
  private readonly photos: PhotosRepository;
  private readonly cache: ThumbnailCache;

  constructor(db: Database, thumbnailFolder: string) {
    this.photos = new PhotosRepository(db);
    this.cache = new ThumbnailCache(thumbnailFolder);
  }

  /** The WebP bytes of an item's thumbnail, or undefined when the id is no indexed photo (or its file is gone or changed). */
  async thumbnail(itemId: number, size: ThumbnailSize): Promise<Uint8Array | undefined> {
    const item = this.photos.item(itemId);
    if (!item) return undefined;
    const cached = await this.cache.read(item.contentHash, size);
    if (cached) return cached;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(item.path);
    } catch {
      return undefined;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== item.contentHash) return undefined;
    try {
      // Loaded only when a thumbnail must be rebuilt: sharp takes a while to load.
      const { processImage } = await import('./process-image.js');
      const { thumbnails } = await processImage({ bytes, limits: DEFAULT_IMAGE_LIMITS });
      if (!thumbnails) return undefined;
      await this.cache.write(item.contentHash, thumbnails);
      return thumbnails[size];
    } catch {
      return undefined;
    }
  }

  /** Resolves a request path: the bytes to send, or undefined for a 404. */
  async forPath(pathname: string): Promise<Uint8Array | undefined> {
    const route = parseThumbnailPath(pathname);
    return route ? this.thumbnail(route.itemId, route.size) : undefined;
  }
}

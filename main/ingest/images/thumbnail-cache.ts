// The thumbnail cache: a folder beside the database holding each photo's small and large WebP under its
// content hash, so a renamed, moved or copied photo reuses them. Written atomically (temporary file, then
// rename): a reader sees a whole thumbnail or none, and a missing one is simply made again from the
// original. No image library is loaded here (the serve shell and search import this).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type ThumbnailSize = 'small' | 'large';
export const THUMBNAIL_SIZES: readonly ThumbnailSize[] = ['small', 'large'];

/** Longest side of each thumbnail, in pixels (never enlarged). The large one is the working image. */
export const THUMBNAIL_SIDE_PIXELS: Record<ThumbnailSize, number> = { small: 256, large: 1024 };

export interface EncodedThumbnails {
  small: Uint8Array;
  large: Uint8Array;
}

/** The cache folder of a database: `thumbnails/` beside the SQLite file. */
export function thumbnailFolderFor(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'thumbnails');
}

const CONTENT_HASH = /^[0-9a-f]{64}$/;

export class ThumbnailCache {
  constructor(readonly folder: string) {}

  /**
   * The file of one thumbnail. Only a SHA-256 in hex is accepted, so nothing but a hash the index
   * computed can ever name a path here.
   */
  fileOf(contentHash: string, size: ThumbnailSize): string {
    if (!CONTENT_HASH.test(contentHash)) throw new Error(`Not a content hash: ${JSON.stringify(contentHash)}`);
    if (size !== 'small' && size !== 'large') throw new Error(`Not a thumbnail size: ${JSON.stringify(size)}`);
    return path.join(this.folder, contentHash.slice(0, 2), `${contentHash}-${size}.webp`);
  }

  async has(contentHash: string): Promise<boolean> {
    const present = await Promise.all(
      THUMBNAIL_SIZES.map((size) =>
        fs.access(this.fileOf(contentHash, size)).then(
          () => true,
          () => false,
        ),
      ),
    );
    return present.every(Boolean);
  }

  async write(contentHash: string, thumbnails: EncodedThumbnails): Promise<void> {
    for (const size of THUMBNAIL_SIZES) await writeAtomically(this.fileOf(contentHash, size), thumbnails[size]);
  }

  /** The thumbnail's bytes, or undefined when it is not in the cache. */
  async read(contentHash: string, size: ThumbnailSize): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.fileOf(contentHash, size));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Removes the thumbnails of hashes no photo has any more; returns how many hashes were removed. */
  async removeExcept(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    let shards: string[];
    try {
      shards = await fs.readdir(this.folder);
    } catch {
      return 0;
    }
    for (const shard of shards) {
      const shardFolder = path.join(this.folder, shard);
      let files: string[];
      try {
        files = await fs.readdir(shardFolder);
      } catch {
        continue;
      }
      for (const file of files) {
        const hash = file.slice(0, 64);
        if (keep.has(hash)) continue;
        await fs.rm(path.join(shardFolder, file), { force: true });
        if (file.endsWith('-small.webp')) removed++;
      }
    }
    return removed;
  }
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

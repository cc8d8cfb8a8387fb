// File-system steps shared by the downloader and the offline import: hashing a file, flushing a folder after
// a rename, and the one way a verified file becomes installed (fsync, then an atomic rename in one folder).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';

/** `<modelsFolder>/<model id>`: every file of one model, and its receipt. */
export function modelFolder(modelsFolder: string, modelId: string): string {
  return path.join(modelsFolder, modelId);
}

/** Feeds a whole file into `hash`; returns how many bytes it read. */
export async function hashInto(file: string, hash: Hash): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

export async function sha256OfFile(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  const sizeBytes = await hashInto(file, hash);
  return { sha256: hash.digest('hex'), sizeBytes };
}

/** The size of a regular file, or null when there is none. */
export async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Makes a rename in `folder` durable. Folders cannot be opened for fsync on Windows, where NTFS journals renames. */
export async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a finished temporary file to disk and renames it over `destination` in the same folder. */
export async function installFile(temporary: string, destination: string): Promise<void> {
  const handle = await open(temporary, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, destination);
  await syncFolder(path.dirname(destination));
}

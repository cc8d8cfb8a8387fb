// Walks a collection folder recursively and lists the files milens can index (as text, or as photos by
// their extension: the image path then sniffs what they really are), with their size
// and mtime. What it cannot enter or read is listed with the reason: permission denied, symbolic-link
// loops (a link back to a folder already on the path), broken links, files over the size limit.
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { textFormatOf, type TextFormat } from './extractors/index.js';
import { hasImageExtension } from './images/sniff.js';

interface FileFacts {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A document read as text in its format. */
export interface ScannedTextFile extends FileFacts {
  kind: 'text';
  format: TextFormat;
}

/** A file the image path reads (by its extension; its bytes then say what format it really is). */
export interface ScannedImageFile extends FileFacts {
  kind: 'image';
}

/** Which kind of item the file becomes, and what that kind needs to read it. */
export type ScannedFile = ScannedTextFile | ScannedImageFile;

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedEntry[];
}

export interface ScanOptions {
  maxFileBytes: number;
  /** Limit for images (photos, scans and panoramas are larger than documents); DEFAULT_MAX_IMAGE_BYTES if absent. */
  maxImageBytes?: number;
}

/** 64 MiB: larger files are almost always archives, dumps or media, not something to read as text. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** 512 MiB: a 16-bit TIFF scan of a large negative; the image guards check the pixels themselves. */
export const DEFAULT_MAX_IMAGE_BYTES = 512 * 1024 * 1024;

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENOENT':
      return 'file disappeared or broken symbolic link';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (error as Error).message;
  }
}

export async function scanFolder(root: string, options: ScanOptions): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const skipped: SkippedEntry[] = [];
  // Real paths of the folders on the current descent path: a link to one of them is a loop.
  const ancestors = new Set<string>();

  async function visitFolder(folder: string): Promise<void> {
    let real: string;
    try {
      real = await fs.realpath(folder);
    } catch (error) {
      skipped.push({ path: folder, reason: describeFsError(error) });
      return;
    }
    if (ancestors.has(real)) {
      skipped.push({ path: folder, reason: 'symbolic link loop' });
      return;
    }
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: folder, reason: describeFsError(error) });
      return;
    }
    ancestors.add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.name.startsWith('.')) continue; // hidden files and folders (.git, .DS_Store, …)
      let stats: Stats;
      try {
        stats = entry.isSymbolicLink() ? await fs.stat(full) : await fs.lstat(full);
      } catch (error) {
        skipped.push({ path: full, reason: describeFsError(error) });
        continue;
      }
      if (stats.isDirectory()) await visitFolder(full);
      else if (stats.isFile()) visitFile(full, stats);
    }
    ancestors.delete(real);
  }

  function visitFile(file: string, stats: Stats): void {
    const isImage = hasImageExtension(file);
    const format = isImage ? undefined : textFormatOf(file);
    if (!isImage && !format) return;
    const limit = isImage ? (options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES) : options.maxFileBytes;
    if (stats.size > limit) {
      skipped.push({ path: file, reason: `file too large (${stats.size} bytes, limit ${limit})` });
      return;
    }
    const facts = { path: file, size: stats.size, mtimeMs: stats.mtimeMs };
    files.push(format ? { kind: 'text', format, ...facts } : { kind: 'image', ...facts });
  }

  await visitFolder(root);
  return { files, skipped };
}

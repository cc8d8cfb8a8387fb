// Walks a collection folder and lists the files milens can index (as text, or as photos by their
// extension: the image path then sniffs what they really are), with their size and mtime. What it
// does not enter or read is listed with the reason: permission denied, broken links, files over the
// size limit, names that are not valid UTF-8, FIFOs, sockets and devices (never opened), and links it
// does not follow:
// - Symbolic links are followed only while they resolve inside the collection's folder (`followLinks:
//   'anywhere'` follows them wherever they lead; the no-nesting rule of collections does not see those).
// - Every real folder is scanned once, identified by device and inode; every real file is listed once.
//   The real tree is walked first and links afterwards (breadth first), so a file is listed under its
//   real path when it has one, and a link to a folder already scanned (a loop back to an ancestor, or
//   two links to one folder, as in a fan-out of links that would otherwise multiply every file) is
//   reported and not entered.
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { textFormatOf, type TextFormat } from './extractors/index.js';
import { hasImageExtension } from './images/sniff.js';
import { throwIfAborted } from './cancellation.js';

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

export type LinkPolicy = 'inside' | 'anywhere';

export interface ScanOptions {
  maxFileBytes: number;
  /** Limit for images (photos, scans and panoramas are larger than documents); DEFAULT_MAX_IMAGE_BYTES if absent. */
  maxImageBytes?: number;
  /** Which symbolic links are followed: only those resolving inside the folder (default), or all. */
  followLinks?: LinkPolicy;
  /** Stops the scan between folders (the run was cancelled; its error is thrown). */
  signal?: AbortSignal;
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
    case 'ENXIO':
      return 'not a regular file (socket or device without a reader)';
    default:
      return (error as Error).message;
  }
}

/** True when `child` is `parent` or lies below it. */
export function isInsideOrSame(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith('..' + path.sep) && !path.isAbsolute(relative));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file name as text, or undefined when its bytes are not valid UTF-8. */
function decodeName(name: Buffer): string | undefined {
  try {
    return utf8.decode(name);
  } catch {
    return undefined;
  }
}

const identity = (stats: Stats) => `${stats.dev}:${stats.ino}`;

/**
 * Why an entry that is neither a folder nor a regular file is not read: a FIFO or a device would block
 * (or never end) a read, a socket cannot be read as a file. Listed, never opened.
 */
export function notRegularReason(stats: Stats): string {
  const kind = stats.isFIFO()
    ? 'FIFO'
    : stats.isSocket()
      ? 'socket'
      : stats.isCharacterDevice()
        ? 'character device'
        : stats.isBlockDevice()
          ? 'block device'
          : 'special file';
  return `not a regular file (${kind})`;
}

export async function scanFolder(root: string, options: ScanOptions): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const followLinks = options.followLinks ?? 'inside';
  /** Real folders scanned (device:inode) → the path they were scanned under. */
  const scannedFolders = new Map<string, string>();
  /** Real files listed (device:inode) → the path they were listed under. */
  const listedFiles = new Map<string, string>();
  /** Links met while walking, resolved once the real tree is done. */
  const links: string[] = [];
  let rootReal: string;
  try {
    rootReal = await fs.realpath(root);
  } catch (error) {
    return { files, skipped: [{ path: root, reason: describeFsError(error) }] };
  }

  async function walk(folder: string): Promise<void> {
    throwIfAborted(options.signal, `Scanning ${root}`);
    let entries: Array<Dirent<Buffer>>;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      skipped.push({ path: folder, reason: describeFsError(error) });
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      const name = decodeName(entry.name);
      if (name === undefined) {
        // Such a file cannot be named in a string path (the index, the UI); it would read as "missing".
        skipped.push({ path: path.join(folder, entry.name.toString('utf8')), reason: 'file name is not valid UTF-8' });
        continue;
      }
      if (name.startsWith('.')) continue; // hidden files and folders (.git, .DS_Store, …)
      const full = path.join(folder, name);
      if (entry.isSymbolicLink()) {
        links.push(full);
        continue;
      }
      let stats: Stats;
      try {
        stats = await fs.lstat(full);
      } catch (error) {
        skipped.push({ path: full, reason: describeFsError(error) });
        continue;
      }
      if (stats.isDirectory()) await enterFolder(full, stats);
      else if (stats.isFile()) listFile(full, stats);
      else skipped.push({ path: full, reason: notRegularReason(stats) });
    }
  }

  async function enterFolder(folder: string, stats: Stats): Promise<void> {
    scannedFolders.set(identity(stats), folder);
    await walk(folder);
  }

  function listFile(file: string, stats: Stats): void {
    const isImage = hasImageExtension(file);
    const format = isImage ? undefined : textFormatOf(file);
    if (!isImage && !format) return;
    const key = identity(stats);
    const first = listedFiles.get(key);
    if (first !== undefined) {
      skipped.push({ path: file, reason: `same file as ${first}` });
      return;
    }
    const limit = isImage ? (options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES) : options.maxFileBytes;
    if (stats.size > limit) {
      skipped.push({ path: file, reason: `file too large (${stats.size} bytes, limit ${limit})` });
      return;
    }
    listedFiles.set(key, file);
    const facts = { path: file, size: stats.size, mtimeMs: stats.mtimeMs };
    files.push(format ? { kind: 'text', format, ...facts } : { kind: 'image', ...facts });
  }

  async function followLink(link: string): Promise<void> {
    let target: string;
    let stats: Stats;
    try {
      target = await fs.realpath(link);
      stats = await fs.stat(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      skipped.push({ path: link, reason: code === 'ENOENT' ? 'broken symbolic link' : describeFsError(error) });
      return;
    }
    if (followLinks === 'inside' && !isInsideOrSame(target, rootReal)) {
      skipped.push({ path: link, reason: `symbolic link leads outside the collection (${target})` });
      return;
    }
    if (stats.isDirectory()) {
      const scannedAs = scannedFolders.get(identity(stats));
      if (scannedAs !== undefined) {
        const parentReal = await fs.realpath(path.dirname(link)).catch(() => path.dirname(link));
        const loop = isInsideOrSame(parentReal, target);
        skipped.push({
          path: link,
          reason: loop ? `symbolic link loop (back to ${scannedAs})` : `symbolic link to a folder already scanned (${scannedAs})`,
        });
        return;
      }
      await enterFolder(link, stats);
    } else if (stats.isFile()) {
      listFile(link, stats);
    } else {
      skipped.push({ path: link, reason: notRegularReason(stats) });
    }
  }

  const rootStats = await fs.stat(rootReal);
  await enterFolder(root, rootStats);
  // Breadth first: links found inside followed folders join the end of the queue.
  for (let next = 0; next < links.length; next++) await followLink(links[next]);
  return { files, skipped };
}

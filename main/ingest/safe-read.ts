// Reads a file for indexing without ever blocking on something that is not a file. The scan saw a
// regular file, but by the time it is read it may have been replaced by a FIFO (open would wait for a
// writer forever), a socket or a device (an endless stream), or a link out of the collection. So the
// file is opened non-blocking, the opened handle is checked (fstat: a regular file; on Linux also where
// the handle really points), and the bytes are read from that same handle, up to the size limit.
import { constants, promises as fs, type Stats } from 'node:fs';
import { isInsideOrSame } from './scanner.js';

/** A file that must not be read, with the reason for the skip list. */
export class ReadRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ReadRefused';
  }
}

/** "FIFO", "socket", "character device", … for "not a regular file (FIFO)". */
export function describeFileType(stats: Stats): string {
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'unknown type';
}

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer; it changes nothing
// for regular files. O_NOCTTY: a terminal device swapped in must not become our controlling terminal.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export interface ReadOptions {
  maxBytes: number;
  /** The collection's real root: a handle that points elsewhere (a link swapped in) is refused. */
  root?: string;
}

/** The file's bytes, or a ReadRefused / the fs error (ENOENT, EACCES, …) for the caller to describe. */
export async function readRegularFile(file: string, options: ReadOptions): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (error) {
    // A UNIX socket cannot be opened at all.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw new ReadRefused('not a regular file (socket)');
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ReadRefused(`not a regular file (${describeFileType(stats)})`);
    if (options.root && process.platform === 'linux') {
      // Where the open handle really is, whatever links were followed to get there.
      const opened = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
      if (opened && !isInsideOrSame(opened, options.root)) throw new ReadRefused(`symbolic link leads outside the collection (${opened})`);
    }
    if (stats.size > options.maxBytes) throw new ReadRefused(`file too large (${stats.size} bytes, limit ${options.maxBytes})`);
    return await readToEnd(handle, stats.size, options.maxBytes);
  } finally {
    await handle.close();
  }
}

/**
 * Reads the handle to its end, never past `maxBytes`. The common case (the size fstat gave) fills one
 * buffer of exactly that size, which the caller can transfer to a worker whole; a file that grew since
 * is read on in chunks up to the limit.
 */
async function readToEnd(handle: fs.FileHandle, size: number, maxBytes: number): Promise<Buffer> {
  const grewPastLimit = () => new ReadRefused(`file too large (grew past the limit of ${maxBytes} bytes while being read)`);
  const buffer = Buffer.allocUnsafeSlow(Math.min(size, maxBytes));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) return Buffer.from(buffer.subarray(0, filled)); // it shrank meanwhile
    filled += bytesRead;
  }
  const chunks = [buffer];
  let length = filled;
  for (;;) {
    const chunk = Buffer.allocUnsafeSlow(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > maxBytes) throw grewPastLimit();
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return chunks.length === 1 ? buffer : Buffer.concat(chunks, length);
}

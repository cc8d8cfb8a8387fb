// Reads a zip container (DOCX; any zip-based format) without trusting it. The central directory is read
// first and the archive is refused before anything is inflated when it declares too many entries, an
// entry too large, too much in total, or an entry that expands more than the ratio limit. Entries are
// then inflated with a byte cap anyway, because declared sizes can lie (yauzl also checks each entry's
// actual size against its declaration). The caller gets the entries back as a stored (uncompressed)
// zip, so that a parser that inflates by itself (mammoth's JSZip) has nothing left to inflate.
import { crc32 } from 'node:zlib';
import { fromBufferPromise, type Entry } from 'yauzl';
import { ExtractionRefused, type ExtractionLimits } from './types.js';

/** Entries smaller than this are not ratio-checked: tiny XML parts legitimately compress very well. */
const RATIO_CHECK_MIN_BYTES = 1024 * 1024;

type ZipLimits = Pick<ExtractionLimits, 'zipMaxEntryBytes' | 'zipMaxTotalBytes' | 'zipMaxEntries' | 'zipMaxRatio'>;

/** "150 MB", "64 MB", "1.5 MB" (MiB; whole above 10), for refusal reasons. */
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / (1024 * 1024);
  return `${megabytes >= 10 || Number.isInteger(megabytes) ? Math.round(megabytes) : megabytes.toFixed(1)} MB`;
}

/** Checks the central directory against the limits; throws the refusal naming the limit. */
function checkDeclarations(entries: readonly Entry[], entryCount: number, limits: ZipLimits, label: string): void {
  const refuse = (why: string) => new ExtractionRefused(`${label} refused before unpacking: ${why}`);
  if (entryCount > limits.zipMaxEntries) throw refuse(`${entryCount} entries (limit ${limits.zipMaxEntries})`);
  let total = 0;
  for (const entry of entries) {
    if (entry.uncompressedSize > limits.zipMaxEntryBytes) {
      throw refuse(
        `entry ${entry.fileName} declares ${formatMegabytes(entry.uncompressedSize)} uncompressed (limit ${formatMegabytes(limits.zipMaxEntryBytes)})`,
      );
    }
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize >= RATIO_CHECK_MIN_BYTES && ratio > limits.zipMaxRatio) {
      throw refuse(`entry ${entry.fileName} expands ${Math.round(ratio)} times (limit ${limits.zipMaxRatio})`);
    }
    total += entry.uncompressedSize;
  }
  if (total > limits.zipMaxTotalBytes) {
    throw refuse(`${formatMegabytes(total)} uncompressed in total (limit ${formatMegabytes(limits.zipMaxTotalBytes)})`);
  }
}

/** Inflates every file entry, stopping as soon as the total passes the cap whatever the entries declared. */
async function inflateEntries(
  zip: Awaited<ReturnType<typeof fromBufferPromise>>,
  entries: readonly Entry[],
  limits: ZipLimits,
  label: string,
): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let total = 0;
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue; // a folder
    if (entry.isEncrypted()) throw new ExtractionRefused(`${label} has an encrypted entry (${entry.fileName})`);
    if (!entry.canDecodeFileData()) throw new ExtractionRefused(`${label} entry ${entry.fileName} uses an unsupported compression method`);
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    let entryBytes = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        entryBytes += chunk.length;
        total += chunk.length;
        if (entryBytes > limits.zipMaxEntryBytes || total > limits.zipMaxTotalBytes) {
          throw new ExtractionRefused(
            `${label} refused while unpacking: more than ${formatMegabytes(Math.min(limits.zipMaxTotalBytes, limits.zipMaxEntryBytes))} uncompressed (limit)`,
          );
        }
        chunks.push(chunk);
      }
    } catch (error) {
      stream.destroy();
      if (error instanceof ExtractionRefused) throw error;
      // yauzl's size check: "too many bytes in the stream. expected 10. got at least 11".
      throw new ExtractionRefused(`${label} entry ${entry.fileName} is damaged or lies about its size: ${(error as Error).message}`);
    }
    files.set(entry.fileName, Buffer.concat(chunks, entryBytes));
  }
  return files;
}

/** Reads and checks a zip archive; returns its files (name → bytes). */
export async function readZipContainer(bytes: Uint8Array, limits: ZipLimits, label: string): Promise<Map<string, Buffer>> {
  let zip;
  try {
    zip = await fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { autoClose: false, lazyEntries: true });
  } catch (error) {
    throw new ExtractionRefused(`unreadable ${label}: ${(error as Error).message}`);
  }
  // The count is in the end-of-central-directory record: checked before a single entry is listed.
  if (zip.entryCount > limits.zipMaxEntries) {
    throw new ExtractionRefused(`${label} refused before unpacking: ${zip.entryCount} entries (limit ${limits.zipMaxEntries})`);
  }
  const entries: Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) entries.push(entry);
  } catch (error) {
    throw new ExtractionRefused(`unreadable ${label}: ${(error as Error).message}`);
  }
  checkDeclarations(entries, zip.entryCount, limits, label);
  return inflateEntries(zip, entries, limits, label);
}

/** A zip of the given files, stored without compression (nothing for a reader to inflate). */
export function storedZip(files: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [fileName, data] of files) {
    const name = Buffer.from(fileName, 'utf8');
    const checksum = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, data);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(0x0800, 8);
    record.writeUInt16LE(0, 10);
    record.writeUInt32LE(0x00210000, 12);
    record.writeUInt32LE(checksum, 16);
    record.writeUInt32LE(data.length, 20);
    record.writeUInt32LE(data.length, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offset, 42);
    central.push(record, name);
    offset += local.length + name.length + data.length;
  }
  const centralBytes = central.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(centralBytes, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

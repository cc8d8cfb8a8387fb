// The part of yauzl (a zip reader without type declarations of its own) that the zip container uses.
declare module 'yauzl' {
  import type { Readable } from 'node:stream';

  export interface Entry {
    fileName: string;
    compressedSize: number;
    uncompressedSize: number;
    compressionMethod: number;
    crc32: number;
    isEncrypted(): boolean;
    canDecodeFileData(): boolean;
  }

  export interface ZipFile {
    entryCount: number;
    eachEntry(): AsyncIterableIterator<Entry>;
    openReadStreamPromise(entry: Entry): Promise<Readable>;
    close(): void;
  }

  export function fromBufferPromise(
    buffer: Buffer,
    options?: { lazyEntries?: boolean; autoClose?: boolean; validateEntrySizes?: boolean; strictFileNames?: boolean },
  ): Promise<ZipFile>;
}

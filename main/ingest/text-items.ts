// The text kind of indexed item: how a scanned document becomes index rows. Preparing runs the `text`
// job in the worker pool (extraction, passages, term counts) and turns a failed job into a skip reason;
// storing writes the document row and its passages inside the batch's transaction. The indexing
// service calls these through its switch on the item's kind, next to which other kinds (images) sit.
import path from 'node:path';
import type { DocumentsRepository } from '../../db/repositories/documents-repository.js';
import type { PassageInput, TextIndexWriter } from '../../db/repositories/text-index-repository.js';
import type { ExtractionLimits } from './extractors/index.js';
import { JobFailed } from './isolation/job-protocol.js';
import type { TextExtractionPayload, TextExtractionResult } from './isolation/jobs/text-extraction-job.js';
import type { WorkerPool } from './isolation/worker-pool.js';
import type { ScannedTextFile, SkippedEntry } from './scanner.js';

export interface PreparedTextDocument {
  kind: 'text';
  file: ScannedTextFile;
  contentHash: string;
  title: string;
  passages: PassageInput[];
  length: number;
  /** UTF-8 bytes of the passage text: what the batch's memory budget counts. */
  textBytes: number;
  /** The row this replaces, for changed files. */
  previousId?: number;
}

export interface TextPreparationContext {
  pool: WorkerPool;
  limits: ExtractionLimits;
  /** Per-file time budget of the extraction, milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Extracts a document in the pool; the bytes are moved to the worker (unusable here afterwards). */
export async function prepareTextDocument(
  file: ScannedTextFile,
  bytes: Uint8Array,
  contentHash: string,
  previousId: number | undefined,
  context: TextPreparationContext,
): Promise<PreparedTextDocument | SkippedEntry> {
  const payload: TextExtractionPayload = { format: file.format, bytes, limits: context.limits };
  // Transfer only a buffer the bytes own entirely (a slice of a pooled buffer would detach its neighbours).
  const ownsBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  try {
    const result = await context.pool.run<TextExtractionResult>('text', payload, {
      label: 'extraction',
      timeoutMs: context.timeoutMs,
      transfer: ownsBuffer ? [bytes.buffer as ArrayBuffer] : [],
      signal: context.signal,
    });
    return {
      kind: 'text',
      file,
      contentHash,
      title: result.title || path.basename(file.path),
      passages: result.passages,
      length: result.length,
      textBytes: result.textBytes,
      previousId,
    };
  } catch (error) {
    if (error instanceof JobFailed) return { path: file.path, reason: error.reason };
    throw error;
  }
}

/** Writes the document row and its passages (inside the caller's transaction); returns the row id. */
export function storeTextDocument(
  documents: DocumentsRepository,
  writer: TextIndexWriter,
  collectionId: number,
  document: PreparedTextDocument,
  indexedAt: string,
): number {
  const documentId = documents.insert({
    collectionId,
    path: document.file.path,
    kind: 'text',
    format: document.file.format,
    size: document.file.size,
    mtimeMs: document.file.mtimeMs,
    contentHash: document.contentHash,
    title: document.title,
    length: document.length,
    indexedAt,
  });
  writer.addPassages(documentId, document.passages);
  return documentId;
}

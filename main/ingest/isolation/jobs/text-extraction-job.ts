// The `text` job: a document's bytes to index-ready passages (extracted text, split and tokenised),
// run inside a pool worker so that a parser's memory, time or crash stays there. The main thread
// transfers the file's bytes and receives the title and the passages with their term counts.
import { ExtractionRefused, extractText, type ExtractionLimits, type TextFormat } from '../../extractors/index.js';
import { preparePassages, type CompactPassages } from '../../passages.js';
import { JobRefusedError, type JobContext } from '../job-protocol.js';

export interface TextExtractionPayload {
  format: TextFormat;
  bytes: Uint8Array;
  limits: ExtractionLimits;
}

export interface TextExtractionResult {
  /** The format's own title, or '' (the caller falls back to the file name). */
  title: string;
  passages: CompactPassages;
  /** Index terms in the document. */
  length: number;
  /** UTF-8 bytes of passage text, what the batch's memory budget counts. */
  textBytes: number;
}

export async function textExtractionJob(payload: TextExtractionPayload, context: JobContext): Promise<TextExtractionResult> {
  let extracted;
  try {
    extracted = await extractText(payload.format, payload.bytes, payload.limits);
  } catch (error) {
    if (error instanceof ExtractionRefused) throw new JobRefusedError(error.reason);
    throw new JobRefusedError(`cannot extract text: ${(error as Error).message}`);
  }
  const { passages, length } = preparePassages(extracted.text);
  let textBytes = 0;
  for (const text of passages.texts) textBytes += Buffer.byteLength(text, 'utf8');
  for (const array of [passages.lengths, passages.termPairs, passages.pairOffsets]) context.transfer(array.buffer as ArrayBuffer);
  return { title: extracted.title, passages, length, textBytes };
}

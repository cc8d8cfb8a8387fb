// The `text` job: a document's bytes to index-ready passages (extracted text, split and tokenised),
// run inside a pool worker so that a parser's memory, time or crash stays there. The main thread
// transfers the file's bytes and receives the title and the passages with their term counts.
import type { PassageInput } from '../../../../db/repositories/text-index-repository.js';
import { ExtractionRefused, extractText, type ExtractionLimits, type TextFormat } from '../../extractors/index.js';
import { preparePassages } from '../../passages.js';
import { JobRefusedError } from '../job-protocol.js';

export interface TextExtractionPayload {
  format: TextFormat;
  bytes: Uint8Array;
  limits: ExtractionLimits;
}

export interface TextExtractionResult {
  /** The format's own title, or '' (the caller falls back to the file name). */
  title: string;
  passages: PassageInput[];
  /** Index terms in the document. */
  length: number;
  /** UTF-8 bytes of passage text, what the batch's memory budget counts. */
  textBytes: number;
}

export async function textExtractionJob(payload: TextExtractionPayload): Promise<TextExtractionResult> {
  let extracted;
  try {
    extracted = await extractText(payload.format, payload.bytes, payload.limits);
  } catch (error) {
    if (error instanceof ExtractionRefused) throw new JobRefusedError(error.reason);
    throw new JobRefusedError(`cannot extract text: ${(error as Error).message}`);
  }
  const { passages, length } = preparePassages(extracted.text);
  let textBytes = 0;
  for (const passage of passages) textBytes += Buffer.byteLength(passage.text, 'utf8');
  return { title: extracted.title, passages, length, textBytes };
}

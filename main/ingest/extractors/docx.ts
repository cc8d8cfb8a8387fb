// Word .docx text with mammoth (raw text: one paragraph per blank-line-separated block).
import mammoth from 'mammoth';
import { firstLineTitle } from './plain-text.js';
import { ExtractionRefused, type ExtractedText, type ExtractionLimits } from './types.js';

export async function extractDocx(bytes: Uint8Array, _limits: ExtractionLimits): Promise<ExtractedText> {
  let text: string;
  try {
    const result = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    text = result.value.replace(/\r\n?/g, '\n');
  } catch (error) {
    throw new ExtractionRefused(`unreadable DOCX: ${(error as Error).message}`);
  }
  return { text, title: firstLineTitle(text) };
}

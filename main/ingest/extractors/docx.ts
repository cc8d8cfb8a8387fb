// Word .docx text with mammoth (raw text: one paragraph per blank-line-separated block). The archive is
// checked and unpacked under the zip limits first (zip-container.ts): a zip bomb is refused before
// anything is inflated, and mammoth only ever sees stored, already-bounded entries.
import mammoth from 'mammoth';
import { firstLineTitle } from './plain-text.js';
import { ExtractionRefused, type ExtractedText, type ExtractionLimits } from './types.js';
import { readZipContainer, storedZip } from './zip-container.js';

export async function extractDocx(bytes: Uint8Array, limits: ExtractionLimits): Promise<ExtractedText> {
  const files = await readZipContainer(bytes, limits, 'DOCX');
  let text: string;
  try {
    const result = await mammoth.extractRawText({ buffer: storedZip(files) });
    text = result.value.replace(/\r\n?/g, '\n');
  } catch (error) {
    throw new ExtractionRefused(`unreadable DOCX: ${(error as Error).message}`);
  }
  return { text, title: firstLineTitle(text) };
}

// Which extractor reads which file: by extension, with extension-less files sniffed as plain text.
// Files of other types are not text documents and are left to other indexers (images) or ignored.
import path from 'node:path';
import { extractMarkdown } from './markdown.js';
import { extractPlainText } from './plain-text.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractedText, type ExtractionLimits } from './types.js';

export type TextFormat = 'text' | 'markdown' | 'html' | 'pdf' | 'docx';

const FORMATS_BY_EXTENSION: Record<string, TextFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.rst': 'text',
  '.org': 'text',
  '.tex': 'text',
  '.csv': 'text',
  '.tsv': 'text',
  '': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

/** The format milens reads a file as, or undefined when it does not index that type as text. */
export function textFormatOf(file: string): TextFormat | undefined {
  const base = path.basename(file);
  if (base.startsWith('.')) return undefined; // dot files: settings, not documents
  return FORMATS_BY_EXTENSION[path.extname(base).toLowerCase()];
}

export async function extractText(
  format: TextFormat,
  bytes: Uint8Array,
  limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS,
): Promise<ExtractedText> {
  switch (format) {
    case 'text':
      return extractPlainText(bytes);
    case 'markdown':
      return extractMarkdown(bytes);
    // The parsers of the richer formats are large (pdfjs alone takes ~50 ms to load): they are loaded
    // on the first file that needs them, so that every other command starts fast.
    case 'html':
      return (await import('./html.js')).extractHtml(bytes);
    case 'pdf':
      return (await import('./pdf.js')).extractPdf(bytes, limits);
    case 'docx':
      return (await import('./docx.js')).extractDocx(bytes, limits);
  }
}

export { DEFAULT_EXTRACTION_LIMITS, ExtractionRefused, type ExtractedText, type ExtractionLimits } from './types.js';

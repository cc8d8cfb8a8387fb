// PDF text layer with pdfjs-dist's legacy build (the one meant for Node). Scanned PDFs without a text
// layer yield no text and are reported as such; encrypted or damaged files are refused with pdf.js's reason,
// and files with more pages than the limit are refused before any page is read.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { firstLineTitle } from './plain-text.js';
import { ExtractionRefused, type ExtractedText, type ExtractionLimits } from './types.js';

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

export async function extractPdf(bytes: Uint8Array, limits: Pick<ExtractionLimits, 'pdfMaxPages'>): Promise<ExtractedText> {
  // pdf.js takes ownership of (detaches) the buffer it is given, so it gets a copy.
  const task = getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  let document;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    throw new ExtractionRefused(`unreadable PDF: ${(error as Error).message}`);
  }
  try {
    // Checked before any page is read: a 20,000-page file would otherwise hold a worker for minutes.
    if (document.numPages > limits.pdfMaxPages) {
      throw new ExtractionRefused(`PDF has ${document.numPages} pages (limit ${limits.pdfMaxPages})`);
    }
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as TextItemLike[]) {
        if (typeof item.str !== 'string') continue;
        text += item.str;
        text += item.hasEOL ? '\n' : item.str.endsWith(' ') ? '' : ' ';
      }
      pages.push(text.trim());
      page.cleanup();
    }
    const text = pages.join('\n\n');
    if (text.trim().length === 0) throw new ExtractionRefused('PDF has no text layer');
    const metadata = await document.getMetadata().catch(() => undefined);
    const info = metadata?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : firstLineTitle(text);
    return { text, title };
  } finally {
    await document.destroy();
  }
}

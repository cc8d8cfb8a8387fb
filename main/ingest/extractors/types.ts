// What every format extractor returns: the readable text of a file and the title to display, and the
// per-file limits the extractors of container and paginated formats enforce.

export interface ExtractedText {
  /** Plain text; paragraphs separated by blank lines so passage splitting can respect them. */
  text: string;
  /** A title for result lists; empty when the format has none (the file name is used then). */
  title: string;
}

/** Limits on what one file may cost to extract (docs/ingest.md). */
export interface ExtractionLimits {
  /** PDFs with more pages are refused (default 5,000). */
  pdfMaxPages: number;
  /** Zip containers (DOCX): the largest uncompressed size one entry may declare, bytes (default 64 MiB). */
  zipMaxEntryBytes: number;
  /** Zip containers: the largest total uncompressed size of all entries, bytes (default 256 MiB). */
  zipMaxTotalBytes: number;
  /** Zip containers: the most entries (default 10,000). */
  zipMaxEntries: number;
  /** Zip containers: the largest uncompressed/compressed ratio of an entry (default 200). */
  zipMaxRatio: number;
}

export const DEFAULT_EXTRACTION_LIMITS: Readonly<ExtractionLimits> = {
  pdfMaxPages: 5000,
  zipMaxEntryBytes: 64 * 1024 * 1024,
  zipMaxTotalBytes: 256 * 1024 * 1024,
  zipMaxEntries: 10_000,
  zipMaxRatio: 200,
};

/** An expected reason a file cannot be indexed ("binary file", "invalid UTF-8 encoding", …). */
export class ExtractionRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ExtractionRefused';
  }
}

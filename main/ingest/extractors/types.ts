// What every format extractor returns: the readable text of a file and the title to display.

export interface ExtractedText {
  /** Plain text; paragraphs separated by blank lines so passage splitting can respect them. */
  text: string;
  /** A title for result lists; empty when the format has none (the file name is used then). */
  title: string;
}

/** An expected reason a file cannot be indexed ("binary file", "invalid UTF-8 encoding", …). */
export class ExtractionRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ExtractionRefused';
  }
}

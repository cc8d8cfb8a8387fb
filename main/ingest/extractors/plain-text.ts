// Plain-text decoding: UTF-8 (or UTF-16 with a byte-order mark). Files with NUL bytes are binary and
// files that are not valid UTF-8 are refused rather than indexed as mojibake.
import { ExtractionRefused, type ExtractedText } from './types.js';

const SNIFF_BYTES = 8192;

export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, SNIFF_BYTES);
  for (let index = 0; index < end; index++) if (bytes[index] === 0) return true;
  return false;
}

export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (looksBinary(bytes)) throw new ExtractionRefused('binary file');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ExtractionRefused('invalid UTF-8 encoding');
  }
}

/** The first non-empty line, trimmed to a displayable length. */
export function firstLineTitle(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0) ?? '';
  const title = line.trim().replace(/\s+/g, ' ');
  return title.length > 120 ? `${title.slice(0, 117)}...` : title;
}

export function extractPlainText(bytes: Uint8Array): ExtractedText {
  const text = decodeText(bytes).replace(/\r\n?/g, '\n');
  return { text, title: firstLineTitle(text) };
}

// Markdown to plain text: keeps the words a reader sees, drops link targets, image URLs, HTML tags and
// formatting marks; the first heading (or first line) is the title.
import { decodeText, firstLineTitle } from './plain-text.js';
import type { ExtractedText } from './types.js';

export function markdownToText(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(/^---\n[\s\S]*?\n---\n/, '') // front matter
    .replace(/^```.*$/gm, '') // fence lines (the code inside stays searchable)
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: keep alt text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // links: keep the label
    .replace(/^\s{0,3}\[[^\]]+\]:\s*\S+.*$/gm, '') // reference definitions
    .replace(/<[^>\n]+>/g, ' ') // inline HTML tags
    .replace(/^\s{0,3}#{1,6}\s+/gm, '') // heading marks
    .replace(/^\s{0,3}>\s?/gm, '') // block quotes
    .replace(/[*_~`]+/g, '');
}

export function extractMarkdown(bytes: Uint8Array): ExtractedText {
  const source = decodeText(bytes);
  const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(source);
  const text = markdownToText(source);
  return { text, title: heading ? markdownToText(heading[1]).trim() : firstLineTitle(text) };
}

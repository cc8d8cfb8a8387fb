// HTML to plain text with htmlparser2: text of the body without scripts and styles, block elements
// become paragraph breaks; the <title> (else the first <h1>) is the title.
import { Parser } from 'htmlparser2';
import { decodeText, firstLineTitle } from './plain-text.js';
import type { ExtractedText } from './types.js';

const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg']);
const BLOCKS = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'tr',
  'table',
  'section',
  'article',
  'header',
  'footer',
  'nav',
  'aside',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'blockquote',
  'dd',
  'dt',
  'figcaption',
  'main',
  'hr',
  'td',
  'th',
]);

export function htmlToText(html: string): ExtractedText {
  const parts: string[] = [];
  let hiddenDepth = 0;
  let title = '';
  let inTitle = false;
  let firstHeading = '';
  let inFirstHeading = false;
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        else if (HIDDEN.has(name)) hiddenDepth++;
        if (name === 'h1' && !firstHeading) inFirstHeading = true;
        if (BLOCKS.has(name)) parts.push('\n\n');
      },
      ontext(text) {
        if (inTitle) title += text;
        if (hiddenDepth > 0) return;
        if (inFirstHeading) firstHeading += text;
        parts.push(text);
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        else if (HIDDEN.has(name)) hiddenDepth = Math.max(0, hiddenDepth - 1);
        if (name === 'h1') inFirstHeading = false;
        if (BLOCKS.has(name)) parts.push('\n\n');
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  const text = parts
    .join('')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const chosen = (title.trim() || firstHeading.trim()).replace(/\s+/g, ' ');
  // The <title> lives in <head>, outside the body text; it is searchable too.
  const searchable = title.trim() && !text.includes(title.trim()) ? `${title.trim()}\n\n${text}` : text;
  return { text: searchable, title: chosen || firstLineTitle(text) };
}

export function extractHtml(bytes: Uint8Array): ExtractedText {
  return htmlToText(decodeText(bytes));
}

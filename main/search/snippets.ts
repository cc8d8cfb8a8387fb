// A snippet around the match: the window of a passage with the most distinct query terms, cut at word
// boundaries, whitespace collapsed, with "…" where text was cut.
import { normaliseText, termOf } from './tokenizer.js';

const WORD = /[\p{L}\p{N}]+/gu;
export const SNIPPET_WORDS = 30;

export function makeSnippet(text: string, queryTerms: ReadonlySet<string>, windowWords = SNIPPET_WORDS): string {
  const words: Array<{ start: number; end: number; matches: string | null }> = [];
  for (const match of text.matchAll(WORD)) {
    const tokens = normaliseText(match[0]).match(/[a-z0-9]+/g) ?? [];
    let matched: string | null = null;
    for (const token of tokens) {
      const term = termOf(token);
      if (term !== null && queryTerms.has(term)) matched = term;
    }
    words.push({ start: match.index, end: match.index + match[0].length, matches: matched });
  }
  if (words.length === 0) return '';
  let bestStart = 0;
  let bestScore = -1;
  for (let start = 0; start < words.length; start++) {
    if (start > 0 && !words[start].matches) continue; // windows start at a match (or at the beginning)
    const distinct = new Set<string>();
    let hits = 0;
    for (let index = start; index < Math.min(words.length, start + windowWords); index++) {
      const term = words[index].matches;
      if (term) {
        distinct.add(term);
        hits++;
      }
    }
    const score = distinct.size * 1000 + hits;
    if (score > bestScore) {
      bestScore = score;
      bestStart = start;
    }
  }
  // Show a few words of context before the first match.
  const first = Math.max(0, bestStart - (bestStart > 0 ? 4 : 0));
  const last = Math.min(words.length, first + windowWords) - 1;
  const body = text.slice(words[first].start, words[last].end).replace(/\s+/g, ' ').trim();
  return `${first > 0 ? '… ' : ''}${body}${last < words.length - 1 ? ' …' : ''}`;
}

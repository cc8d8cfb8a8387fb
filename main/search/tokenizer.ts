// Text to index terms: Unicode-normalised lowercase, accents folded, tokens are maximal runs of
// [a-z0-9], SMART stop words dropped, Porter-stemmed (the `stemmer` package). The same function runs
// at indexing and at query time, so a query term and a document term match exactly when their stems do.
import { stemmer } from 'stemmer';
import { STOP_WORDS } from './stop-words.js';

const TOKEN = /[a-z0-9]+/g;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
/** Tokens longer than this are hashes, base64 or run-together garbage, not words. */
const MAX_TOKEN_LENGTH = 40;

/** Lowercases and folds accents ("Café" becomes "cafe") so that [a-z0-9] covers Latin-script text. */
export function normaliseText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** The raw tokens of a text, before stopping and stemming (used for snippets). */
export function rawTokens(text: string): string[] {
  return normaliseText(text).match(TOKEN) ?? [];
}

const stemCache = new Map<string, string>();

/** The index term for one lowercase token, or null for a stop word or an overlong token. */
export function termOf(token: string): string | null {
  if (token.length > MAX_TOKEN_LENGTH || STOP_WORDS.has(token)) return null;
  let stem = stemCache.get(token);
  if (stem === undefined) {
    stem = stemmer(token);
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(token, stem);
  }
  return stem;
}

/** The index terms of a text, in order, with repeats. */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const token of rawTokens(text)) {
    const term = termOf(token);
    if (term !== null) terms.push(term);
  }
  return terms;
}

/** Term frequencies of a list of terms. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

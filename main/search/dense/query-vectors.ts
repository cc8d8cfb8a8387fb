// Queries people write, as one embedding: text, an example image, or both, and rclip-style concept
// arithmetic ("beach + sunset - people"). Every part is an L2-normalised embedding; the query is the
// normalised sum of the parts with weight +1 or −1 (an image and a text each count once), so every
// combination is ranked on the same PMI scale as a single text.
import { invalidArgument } from '../../api/errors.js';

export interface QueryPart {
  /** The text of a concept, or the path of an example image. */
  source: string;
  kind: 'text' | 'image';
  /** +1 to add the concept, −1 to take it away. */
  sign: 1 | -1;
}

/**
 * Splits a query into concepts at a "+" or "-" standing alone between words: "beach + sunset - people"
 * gives beach (+), sunset (+), people (−). A hyphen inside a word ("black-and-white") is not a split.
 */
export function parseConcepts(query: string): QueryPart[] {
  const parts: QueryPart[] = [];
  let sign: 1 | -1 = 1;
  let words: string[] = [];
  const flush = () => {
    const text = words.join(' ').trim();
    if (text !== '') parts.push({ source: text, kind: 'text', sign });
    words = [];
  };
  for (const token of query.split(/\s+/)) {
    if (token === '+' || token === '-') {
      flush();
      sign = token === '+' ? 1 : -1;
    } else if (token !== '') {
      words.push(token);
    }
  }
  flush();
  return parts;
}

/** The normalised signed sum of L2-normalised part embeddings (rows of `embeddings`, one per part). */
export function combineParts(parts: readonly QueryPart[], embeddings: Float32Array, dimension: number): Float32Array {
  const query = new Float64Array(dimension);
  parts.forEach((part, row) => {
    for (let d = 0; d < dimension; d++) query[d] = query[d]! + part.sign * embeddings[row * dimension + d]!;
  });
  let norm = 0;
  for (const value of query) norm += value * value;
  if (!(norm > 1e-12))
    throw invalidArgument('The query parts cancel out (what is added is taken away again): nothing is left to search for');
  const inverse = 1 / Math.sqrt(norm);
  return Float32Array.from(query, (value) => value * inverse);
}

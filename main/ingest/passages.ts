// Splits a document's text into passages, the unit that is scored: paragraphs are packed greedily up
// to MAX_PASSAGE_WORDS words, and a paragraph longer than that is cut at word boundaries. Most notes,
// abstracts and articles fit in one passage; long reports and books become many, so one relevant
// section is not drowned by the length normalisation of the whole book. preparePassages tokenises them
// for the index (it runs in the extraction worker, so the main thread receives ready term counts).
import type { PassageInput } from '../../db/repositories/text-index-repository.js';
import { termFrequencies, tokenize } from '../search/tokenizer.js';

export const MAX_PASSAGE_WORDS = 1000;

function wordCount(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Cuts a paragraph into pieces of `maxWords` words, walking it word by word (no array of all its words). */
function cutLongParagraph(paragraph: string, maxWords: number): string[] {
  const pieces: string[] = [];
  const word = /\S+/g;
  let piece: string[] = [];
  for (let match = word.exec(paragraph); match !== null; match = word.exec(paragraph)) {
    piece.push(match[0]);
    if (piece.length === maxWords) {
      pieces.push(piece.join(' '));
      piece = [];
    }
  }
  if (piece.length > 0) pieces.push(piece.join(' '));
  return pieces;
}

export function splitIntoPassages(text: string, maxWords = MAX_PASSAGE_WORDS): string[] {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
  const passages: string[] = [];
  let current: string[] = [];
  let currentWords = 0;
  const close = () => {
    if (current.length > 0) passages.push(current.join('\n\n'));
    current = [];
    currentWords = 0;
  };
  for (const paragraph of paragraphs) {
    const words = wordCount(paragraph);
    if (words > maxWords) {
      close();
      passages.push(...cutLongParagraph(paragraph, maxWords));
      continue;
    }
    if (currentWords + words > maxWords) close();
    current.push(paragraph);
    currentWords += words;
  }
  close();
  return passages;
}

/**
 * A document's passages ready for the index, in a compact form that crosses from the extraction worker
 * without copying per-term objects: the document's distinct terms once, and per passage its (term
 * index, frequency) pairs in one Uint32Array. A 60 MB text held as one Map per passage took about a
 * gigabyte in the receiving thread; this takes about 8 bytes per distinct term of each passage.
 */
export interface CompactPassages {
  texts: string[];
  /** Index terms per passage, with repeats. */
  lengths: Uint32Array;
  /** The document's distinct index terms. */
  vocabulary: string[];
  /** (vocabulary index, frequency) pairs of all passages, passage after passage. */
  termPairs: Uint32Array;
  /** Passage p's pairs are termPairs[2 * pairOffsets[p] .. 2 * pairOffsets[p + 1]). */
  pairOffsets: Uint32Array;
}

/** A Uint32Array that grows by doubling (its buffer is outside the JavaScript heap). */
class Uint32Builder {
  private data = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** A copy of exactly the values pushed (its own buffer, so it can be transferred). */
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Tokenises extracted text into passages ready for the index. */
export function preparePassages(text: string): { passages: CompactPassages; length: number } {
  const texts: string[] = [];
  const lengths = new Uint32Builder();
  const vocabulary: string[] = [];
  const vocabularyIndex = new Map<string, number>();
  const termPairs = new Uint32Builder();
  const pairOffsets = new Uint32Builder();
  pairOffsets.push(0);
  let length = 0;
  for (const passageText of splitIntoPassages(text)) {
    const terms = tokenize(passageText);
    if (terms.length === 0) continue;
    for (const [term, frequency] of termFrequencies(terms)) {
      let index = vocabularyIndex.get(term);
      if (index === undefined) {
        index = vocabulary.length;
        vocabulary.push(term);
        vocabularyIndex.set(term, index);
      }
      termPairs.push(index);
      termPairs.push(frequency);
    }
    texts.push(passageText);
    lengths.push(terms.length);
    pairOffsets.push(termPairs.length / 2);
    length += terms.length;
  }
  return {
    passages: { texts, lengths: lengths.finish(), vocabulary, termPairs: termPairs.finish(), pairOffsets: pairOffsets.finish() },
    length,
  };
}

/** The passages one at a time in the form the index writer takes (only one term map alive at a time). */
export function* expandPassages(passages: CompactPassages): Generator<PassageInput> {
  for (let index = 0; index < passages.texts.length; index++) {
    const termCounts = new Map<string, number>();
    for (let pair = passages.pairOffsets[index]; pair < passages.pairOffsets[index + 1]; pair++) {
      termCounts.set(passages.vocabulary[passages.termPairs[2 * pair]], passages.termPairs[2 * pair + 1]);
    }
    yield { text: passages.texts[index], termCounts, length: passages.lengths[index] };
  }
}

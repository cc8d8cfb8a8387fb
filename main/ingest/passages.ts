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

function cutLongParagraph(paragraph: string, maxWords: number): string[] {
  const words = paragraph.split(/\s+/).filter((word) => word.length > 0);
  const pieces: string[] = [];
  for (let start = 0; start < words.length; start += maxWords) pieces.push(words.slice(start, start + maxWords).join(' '));
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

/** Tokenises extracted text into passages ready for the index. */
export function preparePassages(text: string): { passages: PassageInput[]; length: number } {
  const passages: PassageInput[] = [];
  let length = 0;
  for (const passageText of splitIntoPassages(text)) {
    const terms = tokenize(passageText);
    if (terms.length === 0) continue;
    passages.push({ text: passageText, termCounts: termFrequencies(terms), length: terms.length });
    length += terms.length;
  }
  return { passages, length };
}

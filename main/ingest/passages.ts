// Splits a document's text into passages, the unit that is scored: paragraphs are packed greedily up
// to MAX_PASSAGE_WORDS words, and a paragraph longer than that is cut at word boundaries. Most notes,
// abstracts and articles fit in one passage; long reports and books become many, so one relevant
// section is not drowned by the length normalisation of the whole book.

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

// Splits a snippet into plain and highlighted parts for the words of a query, so results show why they
// matched. A word matches its query word's stem roughly: same start (at least 4 letters, or the whole
// word when shorter), which covers the plural and -ing forms the search ranks by.

export interface TextPart {
  text: string;
  match: boolean;
}

function queryStems(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const stems = words
    .filter((word) => word.length >= 2)
    .map((word) => (word.length > 5 ? word.slice(0, Math.max(4, word.length - 3)) : word));
  return [...new Set(stems)];
}

export function highlightParts(text: string, query: string): TextPart[] {
  const stems = queryStems(query);
  if (stems.length === 0 || text === '') return [{ text, match: false }];
  const parts: TextPart[] = [];
  const wordPattern = /[\p{L}\p{N}]+/gu;
  let last = 0;
  for (const found of text.matchAll(wordPattern)) {
    const word = found[0].toLowerCase();
    if (!stems.some((stem) => word.startsWith(stem))) continue;
    const start = found.index;
    if (start > last) parts.push({ text: text.slice(last, start), match: false });
    parts.push({ text: found[0], match: true });
    last = start + found[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}

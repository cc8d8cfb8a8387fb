// OpenAI CLIP's byte-pair-encoding tokenizer (`clip/simple_tokenizer.py`), written here so that a text query
// becomes exactly the token ids the text encoder was trained on. The vocabulary and merges come either from a
// model's `tokenizer.json` (the Hugging Face layout every CLIP-family export ships) or from OpenAI's
// `bpe_simple_vocab_16e6.txt.gz` merges list; both give the same 49,408 ids.
//
// The reference cleans a text with ftfy.fix_text (NFC normalisation, mojibake repair) and html.unescape twice,
// collapses whitespace and lowercases it. Here: NFC, HTML entity decoding (numeric entities and the common
// named ones), the same whitespace rule and lowercasing. ftfy's mojibake repair is not reproduced; it changes
// only text that was decoded with the wrong character set.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { invalidArgument, unreadable } from '../main/api/errors.js';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';

/** The reference's pre-tokenisation pattern (`regex` module, IGNORECASE): special tokens, contractions, letters, digits, other symbols. */
const WORD_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes map to themselves, the
 * rest to code points from 256 up, so that every byte sequence is a string without spaces or controls.
 */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) table[b] = String.fromCodePoint(b);
    else table[b] = String.fromCodePoint(256 + next++);
  }
  return table;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function unescapeHtml(text: string): string {
  return text.replace(/&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (entity, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED_ENTITIES[body] ?? entity;
  });
}

/** The reference's `basic_clean` and `whitespace_clean`, then lowercasing. */
export function cleanText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(text.normalize('NFC')));
  return unescaped.replace(/\s+/gu, ' ').trim().toLowerCase();
}

export interface BpeVocabulary {
  /** Token string (byte-level characters, `</w>` closing a word) to id. */
  vocab: Map<string, number>;
  /** Merge pairs in priority order, each `left right`. */
  merges: string[];
}

export class ClipTokenizer {
  readonly startId: number;
  readonly endId: number;
  private readonly vocab: Map<string, number>;
  private readonly mergeRanks: Map<string, number>;
  private readonly byteEncoder = bytesToUnicode();
  private readonly encoder = new TextEncoder();
  private readonly cache = new Map<string, number[]>();

  constructor({ vocab, merges }: BpeVocabulary) {
    this.vocab = vocab;
    this.mergeRanks = new Map(merges.map((pair, rank) => [pair, rank]));
    const start = vocab.get(START_OF_TEXT);
    const end = vocab.get(END_OF_TEXT);
    if (start === undefined || end === undefined) throw invalidArgument(`The CLIP vocabulary lacks ${START_OF_TEXT} or ${END_OF_TEXT}`);
    this.startId = start;
    this.endId = end;
    this.cache.set(START_OF_TEXT, [start]);
    this.cache.set(END_OF_TEXT, [end]);
  }

  get vocabularySize(): number {
    return this.vocab.size;
  }

  /** The token ids of a text, without start and end tokens (the reference's `encode`). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanText(text).matchAll(WORD_PATTERN)) {
      const word = match[0];
      let cached = this.cache.get(word);
      if (!cached) {
        const characters = [...this.encoder.encode(word)].map((byte) => this.byteEncoder[byte]).join('');
        cached = this.bpe(characters).map((piece) => {
          const id = this.vocab.get(piece);
          if (id === undefined)
            throw invalidArgument(`The CLIP vocabulary has no token ${JSON.stringify(piece)} (from ${JSON.stringify(word)})`);
          return id;
        });
        if (this.cache.size < 50_000) this.cache.set(word, cached);
      }
      ids.push(...cached);
    }
    return ids;
  }

  /**
   * The encoder's input row: start token, the first contextLength - 2 ids, end token, then `padId` up to
   * contextLength (the reference's `tokenize(texts, context_length, truncate=True)`).
   */
  encodeContext(text: string, contextLength = 77, padId = 0): number[] {
    if (!Number.isInteger(contextLength) || contextLength < 3)
      throw invalidArgument(`contextLength must be an integer of at least 3, not ${contextLength}`);
    const ids = this.encode(text).slice(0, contextLength - 2);
    const row = [this.startId, ...ids, this.endId];
    while (row.length < contextLength) row.push(padId);
    return row;
  }

  /** Byte-pair merges of one pre-tokenised word, lowest-ranked pair first, the last symbol closing the word. */
  private bpe(word: string): string[] {
    const symbols = [...word];
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += '</w>';
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestPair = '';
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        const rank = this.mergeRanks.get(pair);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestPair = pair;
        }
      }
      if (bestRank === Infinity) break;
      // Merge every occurrence of the best pair, left to right, as the reference does.
      const [left, right] = bestPair.split(' ');
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols.splice(0, symbols.length, ...merged);
    }
    return symbols;
  }
}

/**
 * The vocabulary of OpenAI's merges list (`bpe_simple_vocab_16e6.txt`, gzipped or not): the 256 byte symbols,
 * the same with `</w>`, one token per merge (the first 48,894 merges), then the start and end tokens.
 */
export function vocabularyFromMergesText(text: string): BpeVocabulary {
  const lines = text.split('\n');
  const merges = lines.slice(1, 49152 - 256 - 2 + 1).filter((line) => line.length > 0);
  // The reference lists the byte symbols in its table's insertion order: printable bytes first, then the rest.
  const table = bytesToUnicode();
  const order = [...table.keys()].sort(
    (a, b) =>
      Number(table[a].codePointAt(0)! > 255) - Number(table[b].codePointAt(0)! > 255) ||
      table[a].codePointAt(0)! - table[b].codePointAt(0)!,
  );
  const bytes = order.map((byte) => table[byte]);
  const tokens = [
    ...bytes,
    ...bytes.map((symbol) => `${symbol}</w>`),
    ...merges.map((pair) => pair.replace(' ', '')),
    START_OF_TEXT,
    END_OF_TEXT,
  ];
  return { vocab: new Map(tokens.map((token, id) => [token, id])), merges };
}

/** The vocabulary of a Hugging Face `tokenizer.json` with a BPE model (merges as `a b` strings or `[a, b]` pairs). */
export function vocabularyFromTokenizerJson(json: unknown, source = 'tokenizer.json'): BpeVocabulary {
  const model = (json as { model?: { type?: string; vocab?: unknown; merges?: unknown } } | null)?.model;
  if (
    !model ||
    (model.type !== undefined && model.type !== 'BPE') ||
    typeof model.vocab !== 'object' ||
    model.vocab === null ||
    !Array.isArray(model.merges)
  ) {
    throw invalidArgument(`${source} is not a byte-pair-encoding tokenizer (expected model.type BPE with vocab and merges)`);
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab as Record<string, unknown>)) {
    if (!Number.isInteger(id)) throw invalidArgument(`${source}: token ${JSON.stringify(token)} has no integer id`);
    vocab.set(token, id as number);
  }
  const merges = (model.merges as unknown[]).map((merge) => (Array.isArray(merge) ? merge.join(' ') : String(merge)));
  // Special tokens live in added_tokens in this layout; make sure both are known.
  for (const added of (json as { added_tokens?: Array<{ id: number; content: string }> }).added_tokens ?? []) {
    if (!vocab.has(added.content)) vocab.set(added.content, added.id);
  }
  return { vocab, merges };
}

/** Loads a tokenizer from a `tokenizer.json` or a (gzipped) merges list, chosen by the file's name. */
export function loadClipTokenizer(file: string): ClipTokenizer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw unreadable(file, `cannot read the tokenizer: ${(error as Error).message}`);
  }
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw invalidArgument(`${file} is not JSON: ${(error as Error).message}`);
    }
    return new ClipTokenizer(vocabularyFromTokenizerJson(parsed, file));
  }
  const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return new ClipTokenizer(vocabularyFromMergesText(text));
}

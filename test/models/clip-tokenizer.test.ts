// CLIP's byte-pair encoding must give exactly the reference ids (OpenAI's simple_tokenizer) on the 45 shared
// cases, with and without the 77-token context, from both vocabulary sources: OpenAI's merges list and a
// Hugging Face tokenizer.json built from it. Skips when ../shared/datasets is absent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ClipTokenizer,
  bytesToUnicode,
  cleanText,
  loadClipTokenizer,
  vocabularyFromMergesText,
  vocabularyFromTokenizerJson,
} from '../../models/clip-tokenizer.js';
import { sharedDataset } from './shared-datasets.js';
import { gunzipSync } from 'node:zlib';

interface TokenizerCase {
  text: string;
  bpe: number[];
  context77: number[];
}

const folder = sharedDataset('clip-tokenizer', 'clip-tokenizer');

describe('CLIP text cleaning and byte map', () => {
  it('maps all 256 bytes to distinct printable characters', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x41]).toBe('A');
    expect(table[0x20]).toBe('Ġ');
  });

  it('decodes HTML entities twice, collapses whitespace and lowercases', () => {
    expect(cleanText('  Tom &amp;amp; Jerry\t\n&#39;s  ')).toBe("tom & jerry 's");
  });
});

describe.skipIf(!folder)('CLIP tokenizer against the reference ids', () => {
  const cases = folder ? (JSON.parse(readFileSync(path.join(folder, 'clip-tokenizer-cases.json'), 'utf8')).cases as TokenizerCase[]) : [];
  const merges = folder ? path.join(folder, 'bpe_simple_vocab_16e6.txt.gz') : '';

  it('reproduces bpe and context77 for every case from the merges list', () => {
    const tokenizer = loadClipTokenizer(merges);
    expect(tokenizer.vocabularySize).toBe(49408);
    expect([tokenizer.startId, tokenizer.endId]).toEqual([49406, 49407]);
    expect(cases).toHaveLength(45);
    for (const entry of cases) {
      expect(tokenizer.encode(entry.text), entry.text).toEqual(entry.bpe);
      expect(tokenizer.encodeContext(entry.text, 77, 0), entry.text).toEqual(entry.context77);
    }
  });

  it('gives the same ids from a tokenizer.json holding the same vocabulary and merges', () => {
    const fromMerges = vocabularyFromMergesText(gunzipSync(readFileSync(merges)).toString('utf8'));
    const json = {
      model: { type: 'BPE', vocab: Object.fromEntries(fromMerges.vocab), merges: fromMerges.merges.map((pair) => pair.split(' ')) },
    };
    const tokenizer = new ClipTokenizer(vocabularyFromTokenizerJson(json));
    for (const entry of cases) expect(tokenizer.encodeContext(entry.text), entry.text).toEqual(entry.context77);
  });
});

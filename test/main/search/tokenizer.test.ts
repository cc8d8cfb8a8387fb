import { describe, expect, it } from 'vitest';
import { normaliseText, rawTokens, termFrequencies, tokenize } from '../../../main/search/tokenizer.js';
import { STOP_WORDS } from '../../../main/search/stop-words.js';

describe('tokenizer', () => {
  it('lowercases, folds accents and splits on anything outside [a-z0-9]', () => {
    expect(normaliseText('Crème Brûlée')).toBe('creme brulee');
    expect(rawTokens("Don't stop-me now: v2.0!")).toEqual(['don', 't', 'stop', 'me', 'now', 'v2', '0']);
  });

  it('drops SMART stop words and Porter-stems the rest', () => {
    expect(STOP_WORDS.has('the')).toBe(true);
    expect(STOP_WORDS.has('however')).toBe(true);
    expect(STOP_WORDS.size).toBeGreaterThan(500);
    expect(tokenize('The retrieval of relevant documents is retrieving information')).toEqual([
      'retriev',
      'relev',
      'document',
      'retriev',
      'inform',
    ]);
    expect(tokenize('the of and a')).toEqual([]);
  });

  it('drops absurdly long tokens and counts frequencies', () => {
    expect(tokenize(`hash ${'a'.repeat(64)} hash`)).toEqual(['hash', 'hash']);
    expect([...termFrequencies(['a', 'b', 'a'])]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

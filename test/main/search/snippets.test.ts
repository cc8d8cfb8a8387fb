import { describe, expect, it } from 'vitest';
import { makeSnippet } from '../../../main/search/snippets.js';

describe('snippets', () => {
  it('shows the window with the most distinct query terms, cut with ellipses', () => {
    const filler = Array.from({ length: 60 }, (_, index) => `filler${index}`).join(' ');
    const text = `Intro about apples. ${filler} Here the orchard entropy   is\nmeasured in bits. ${filler}`;
    const snippet = makeSnippet(text, new Set(['orchard', 'entropi']), 12);
    expect(snippet).toMatch(/^… /);
    expect(snippet).toMatch(/ …$/);
    expect(snippet).toContain('orchard entropy is measured');
    expect(snippet.split(' ').length).toBeLessThanOrEqual(14);
  });

  it('starts at the beginning when nothing matches and handles empty text', () => {
    expect(makeSnippet('alpha beta gamma', new Set(['zeta']), 2)).toBe('alpha beta …');
    expect(makeSnippet('', new Set(['zeta']))).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { createAccessToken, tokensMatch } from '../../../main/server/access-token.js';

describe('createAccessToken', () => {
  it('draws 32 random bytes as base64url', () => {
    const token = createAccessToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createAccessToken()).not.toBe(token);
  });
});

describe('tokensMatch', () => {
  it('matches only the identical string, whatever the candidate length', () => {
    const token = createAccessToken();
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch(token, `${token}x`)).toBe(false);
    expect(tokensMatch(token, token.slice(0, -1))).toBe(false);
    expect(tokensMatch(token, '')).toBe(false);
  });
});

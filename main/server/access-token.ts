// The serve shell's access token: a random secret printed once in the URL that every request must
// carry. Compared in constant time so that response timing reveals nothing about the secret.
//
// The browser loads the page's scripts and styles without our headers, so the page answer sets a cookie;
// that cookie holds a second random secret of its own (the static-file secret), never the API token:
// cookies are shared by every port of 127.0.0.1, so any other local server the browser visits sees it,
// and it unlocks the static files only (the API takes the token in an Authorization header alone).
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 32 random bytes, base64url: 256 bits, safe in a URL without escaping. */
export function createAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time equality. Both sides are hashed first so that the comparison also takes the same time
 * whatever the length of the candidate (timingSafeEqual needs equal lengths).
 */
export function tokensMatch(expected: string, candidate: string): boolean {
  const expectedDigest = createHash('sha256').update(expected).digest();
  const candidateDigest = createHash('sha256').update(candidate).digest();
  return timingSafeEqual(expectedDigest, candidateDigest);
}

/** Cookies are scoped by host, not port: the port in the name keeps two servers from overwriting each other. */
export function staticCookieName(port: number): string {
  return `milens_static_${port}`;
}

/** The Set-Cookie value that lets the browser fetch the static files: the static-file secret, never the token. */
export function staticCookie(port: number, staticSecret: string): string {
  return `${staticCookieName(port)}=${staticSecret}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Whether a presented credential is right for its source: the cookie against the static secret, the rest against the token. */
export function presentedMatches(presented: PresentedToken, secrets: { token: string; staticSecret: string }): boolean {
  return tokensMatch(presented.source === 'cookie' ? secrets.staticSecret : secrets.token, presented.value);
}

export type TokenSource = 'header' | 'cookie' | 'query';

export interface PresentedToken {
  source: TokenSource;
  value: string;
}

/** Every token the request presents, in the order header, cookie, query. */
export function presentedTokens(request: IncomingMessage, url: URL, cookieName: string): PresentedToken[] {
  const tokens: PresentedToken[] = [];
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    // A malformed header still counts as a presented (and wrong) credential.
    tokens.push({ source: 'header', value: match ? match[1] : authorization });
  }
  const cookie = readCookie(request.headers.cookie, cookieName);
  if (cookie !== undefined) tokens.push({ source: 'cookie', value: cookie });
  const query = url.searchParams.get('token');
  if (query !== null) tokens.push({ source: 'query', value: query });
  return tokens;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

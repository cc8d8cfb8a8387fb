// The serve shell's secrets kept across restarts, one of each per data folder, in files only their owner
// can read: the access token (`serve-token`), so the printed address still opens after `milens serve`
// restarts (on the same port: port-store.ts), and the static-file cookie's secret (`serve-cookie-secret`),
// so a page already open, or bookmarked as its address bar shows it (without the token), still loads. A
// file that is unreadable or malformed is replaced by a fresh secret.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAccessToken } from './access-token.js';

export const TOKEN_FILE_NAME = 'serve-token';
export const COOKIE_SECRET_FILE_NAME = 'serve-cookie-secret';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export function persistentAccessToken(dataFolder: string): string {
  return persistentSecret(dataFolder, TOKEN_FILE_NAME);
}

/** The static-file cookie's secret (never the token: see access-token.ts), kept like the token. */
export function persistentCookieSecret(dataFolder: string): string {
  return persistentSecret(dataFolder, COOKIE_SECRET_FILE_NAME);
}

function persistentSecret(dataFolder: string, fileName: string): string {
  const file = path.join(dataFolder, fileName);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (TOKEN_SHAPE.test(stored)) return stored;
  } catch {
    // Missing or unreadable: make a new one below.
  }
  const token = createAccessToken();
  mkdirSync(dataFolder, { recursive: true });
  // Written beside and renamed into place, so a crash never leaves half a token.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return token;
}

// The serve shell's access token kept across restarts: one random token per data folder, in a file only
// its owner can read, so a bookmarked address (with a fixed --port) still opens after `milens serve`
// restarts. A token file that is unreadable or malformed is replaced by a fresh token.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAccessToken } from './access-token.js';

export const TOKEN_FILE_NAME = 'serve-token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export function persistentAccessToken(dataFolder: string): string {
  const file = path.join(dataFolder, TOKEN_FILE_NAME);
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

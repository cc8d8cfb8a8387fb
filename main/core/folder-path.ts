// What a person types or pastes as a folder, made into the absolute path the core indexes: surrounding
// quotes and a file:// prefix removed, `~` expanded to the home folder. A relative path is refused with
// the reason: a long-running server or app has no meaningful working folder (typing `docs` once indexed
// the app's own docs/ folder), so only the command line, which has the person's own, resolves one first.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArgument, invalidType } from '../api/errors.js';

export function normaliseFolderInput(input: unknown, argument = 'path'): string {
  if (typeof input !== 'string') throw invalidType(argument, 'a string', input);
  let text = input.trim();
  // Finder's and file managers' "copy as path" quote the path; shells escape spaces.
  if (text.length >= 2 && /^(['"]).*\1$/s.test(text)) text = text.slice(1, -1).trim();
  if (text === '') throw invalidArgument(`Expected ${argument} to be a folder path but received an empty string.`, { argument });
  if (/^file:\/\//i.test(text)) {
    try {
      text = fileURLToPath(text);
    } catch (error) {
      throw invalidArgument(`${argument} ${JSON.stringify(input)} is not a usable file:// address (${(error as Error).message}).`, {
        argument,
      });
    }
  }
  if (text === '~') text = os.homedir();
  else if (text.startsWith('~/') || text.startsWith('~\\')) text = path.join(os.homedir(), text.slice(2));
  else if (/^~[^/\\]/.test(text))
    throw invalidArgument(`${argument} ${JSON.stringify(text)}: "~user" paths are not expanded; type the full path instead.`, { argument });
  if (!path.isAbsolute(text)) {
    throw invalidArgument(
      `${argument} ${JSON.stringify(text)} is a relative path. Type the full path of the folder ` +
        `(for example ${path.join(os.homedir(), 'Documents')}): a relative path would be read against the folder milens runs in, not yours.`,
      { argument, path: text },
    );
  }
  return path.normalize(text);
}

// The serve shell's port kept across restarts: the port `milens serve` listened on last time for a data
// folder, in a file beside the token (`serve-port`, only its owner can read it), so that without --port the
// same address, and so a bookmark of it, opens after a restart. A port file that is missing, unreadable or
// malformed counts as no port remembered.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PORT_FILE_NAME = 'serve-port';

/** The port remembered for `dataFolder`, or undefined when there is none (or the file holds no port). */
export function rememberedPort(dataFolder: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataFolder, PORT_FILE_NAME), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : undefined;
}

/** Remembers `port` for `dataFolder` (written beside and renamed into place, so a crash never leaves half a number). */
export function rememberPort(dataFolder: string, port: number): void {
  const file = path.join(dataFolder, PORT_FILE_NAME);
  mkdirSync(dataFolder, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${port}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

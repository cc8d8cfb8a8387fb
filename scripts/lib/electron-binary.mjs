// Where the Electron binary is, if it is installed: read from the electron package's path.txt. Used by
// `npm start` (scripts/start.mjs) and the Electron smoke test (test/electron/smoke.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Electron binary's path, or the reason there is none. Deliberately not `require('electron')`: when
 * the binary is missing, that call starts a network download instead of answering.
 * @returns {{ path?: string; reason?: string }}
 */
export function findElectronBinary() {
  let packageFolder;
  try {
    packageFolder = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'the optional electron package is not installed' };
  }
  const pathFile = path.join(packageFolder, 'path.txt');
  if (!existsSync(pathFile)) return { reason: "Electron's binary is not installed (optional download failed or was skipped)" };
  const binary = path.join(
    process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(packageFolder, 'dist'),
    readFileSync(pathFile, 'utf8').trim(),
  );
  return existsSync(binary) ? { path: binary } : { reason: `Electron's binary is missing at ${binary}` };
}

// Where the Electron binary is, if it is installed: read from the electron package's path.txt without
// `require('electron')`, which would try to download the binary when it is missing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export function findElectronBinary(): { path?: string; reason?: string } {
  let packageFolder: string;
  try {
    packageFolder = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed (it is an optional dependency)' };
  }
  const pathFile = path.join(packageFolder, 'path.txt');
  if (!existsSync(pathFile)) return { reason: "Electron's binary is not installed (optional download failed or was skipped)" };
  const binary = path.join(
    process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(packageFolder, 'dist'),
    readFileSync(pathFile, 'utf8').trim(),
  );
  return existsSync(binary) ? { path: binary } : { reason: `Electron's binary is missing at ${binary}` };
}

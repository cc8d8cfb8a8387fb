// The package root and version, found by walking up from this module: the code runs both from source
// (vitest) and compiled under dist/, so no fixed relative path would do.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'milens') {
      cachedRoot = folder;
      return folder;
    }
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('milens: cannot find the package root (package.json named "milens")');
    folder = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

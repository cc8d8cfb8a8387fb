// Helpers shared by the benchmark scripts: the repository root, `--name value` options, the native addon
// and the built core (dist/), a median, and a fast seeded filler for large test stores.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The value after `--name` on the command line, or `fallback` when the option is absent. */
export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

/** The native addon as the app loads it (node-gyp-build: build/Release or a prebuild). */
export function loadAddon() {
  return createRequire(path.join(repo, 'package.json'))('node-gyp-build')(repo);
}

/** A module of the built core, e.g. importBuilt('mi/random.js') for dist/main/mi/random.js; needs `npm run build`. */
export function importBuilt(module) {
  return import(pathToFileURL(path.join(repo, 'dist', 'main', ...module.split('/'))).href);
}

/** The middle value (the upper one of the two middle values for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** xorshift32 words: fast enough to fill a gigabyte in about a second. */
export function fillRandomWords(words, seed) {
  let state = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
}

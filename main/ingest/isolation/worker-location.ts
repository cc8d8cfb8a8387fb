// Where the worker program (worker-entry.js) is on disk. A worker thread needs a file of its own, and
// the code that starts it runs from three places: the compiled modules (dist/main/…, the app and the
// serve shell), the CLI bundle (dist/cli/…, whose chunks sit beside dist/main) and the TypeScript
// sources under the test runner, which cannot start a .ts worker on Node 20 and use the compiled file
// (so tests that index need `npm run build` first, like the CLI tests).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MilensError } from '../../api/errors.js';

const ENTRY_FILE = 'worker-entry.js';

function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [
    path.join(here, ENTRY_FILE), // dist/main/ingest/isolation/
    path.join(here, '..', 'main', 'ingest', 'isolation', ENTRY_FILE), // a chunk of dist/cli/
    path.join(here, '..', '..', '..', 'dist', 'main', 'ingest', 'isolation', ENTRY_FILE), // main/ingest/isolation/*.ts
  ];
}

let found: string | undefined;

/** The absolute path of the compiled worker entry, or a clear error when the build is missing. */
export function workerEntryPath(): string {
  if (found) return found;
  const tried = candidates();
  found = tried.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new MilensError(
      'UNAVAILABLE',
      `The extraction worker (${ENTRY_FILE}) is missing; run \`npm run build\` in the milens folder. Looked in: ${tried.join(', ')}`,
    );
  }
  return found;
}

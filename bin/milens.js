#!/usr/bin/env node
// Entry point of the `milens` command. The TypeScript is compiled to dist/ and the CLI bundled into
// dist/cli/ by `npm run build` (scripts/build.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/milens.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('milens: the compiled code is missing (dist/); run `npm run build` in the milens folder first.\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));

// Where the shared real datasets are (../shared/datasets from the repository root), or null in a fresh
// clone that has none: tests that read them skip with a message then.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

export function sharedDataset(relative: string, testName: string): string | null {
  const folder = path.resolve(REPO_ROOT, '..', 'shared', 'datasets', relative);
  if (existsSync(folder)) return folder;
  console.warn(`${testName}: skipped, ${folder} is absent`);
  return null;
}

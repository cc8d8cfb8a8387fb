// The packaged app's hardening, as electron-builder.yml states it: the Electron fuses that stop the binary
// being used as a Node runtime (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect), asar integrity with the app
// loaded only from the archive, encrypted cookies; and DevTools closed in packaged builds. The Electron
// binary cannot be downloaded here, so the settings are read from their sources, not from a built app.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

// js-yaml comes with electron-builder (which reads this file with it) and ships no types.
const yamlModule: string = 'js-yaml';
const { load } = (await import(yamlModule)) as { load(text: string): unknown };
const config = load(readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('sets every hardening fuse', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it('names only fuses that @electron/fuses knows', async () => {
    const { FuseV1Options } = await import('@electron/fuses');
    const known = Object.keys(FuseV1Options).map((name) => name.toLowerCase());
    for (const key of Object.keys(config.electronFuses as object)) expect(known, key).toContain(key.toLowerCase());
  });
});

describe('the main window', () => {
  it('opens DevTools only when the app is not packaged or MILENS_DEVTOOLS=1 asks', () => {
    const source = readFileSync(path.join(REPO_ROOT, 'main', 'app', 'main-window.ts'), 'utf8');
    expect(source).toMatch(/devTools: !app\.isPackaged \|\| process\.env\.MILENS_DEVTOOLS === '1'/);
  });
});

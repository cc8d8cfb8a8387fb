// `milens serve` argument checks, run through the real CLI parser: a non-loopback address and a bad port
// are refused with exit code 2 and a message that names the value.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../main/cli/milens.js';

let folder: string;
let stderr: string;

beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-serve-cli-'));
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(folder, { recursive: true, force: true });
});

describe('milens serve', () => {
  it('refuses a non-loopback address without --allow-remote, naming it', async () => {
    const code = await runCli(['serve', '--host', '0.0.0.0', '--db', path.join(folder, 'db.sqlite')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/milens: Refusing to listen on 0\.0\.0\.0: it is not a loopback address.*--allow-remote/);
  });

  it('refuses a port outside 0–65535', async () => {
    const code = await runCli(['serve', '--port', '70000', '--db', path.join(folder, 'db.sqlite')]);
    expect(code).toBe(2);
    expect(stderr).toContain('Expected --port to be an integer from 0 to 65535 but received "70000"');
  });
});

// `milens mi` progress and Ctrl+C as a user meets them (a real child process; requires `npm run build`):
// progress lines go to stderr (plain lines, since the pipe is not a terminal), never to stdout, and
// SIGINT cancels the run cleanly: "cancelling" on stderr, the CANCELLED error as the JSON answer, exit 1.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../main/mi/random.js';
import { MILENS_BIN, REPO_ROOT } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

function tableFile(): string {
  const folder = makeTempFolder('milens-mi-progress-');
  const random = new SeededRandom(8);
  const lines = ['y,a,b'];
  for (let i = 0; i < 5000; i++) {
    const a = random.nextNormal();
    lines.push([a + random.nextNormal(), a, random.nextNormal()].map((v) => v.toPrecision(6)).join(','));
  }
  const file = path.join(folder, 'table.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs `milens mi` on the table with these extra arguments, sends SIGINT once a progress line is on stderr. */
async function interrupted(extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [MILENS_BIN, 'mi', tableFile(), '--target', 'y', '--permutations', '1000000', '--stop-after', '0', '--json', ...extra],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const progressSeen = new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (/^mi: \d+% · \d+\/\d+ steps/m.test(stderr)) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await progressSeen;
  expect(stdout).toBe(''); // nothing but the answer ever goes to stdout
  child.kill('SIGINT');
  const code = await exited;
  return { code, stdout, stderr };
}

describe('milens mi progress and Ctrl+C', () => {
  for (const [label, extra] of [
    ['plain', []],
    ['with --given (conditional permutations)', ['--given', 'b']],
  ] as const) {
    it(`shows progress on stderr only, and Ctrl+C cancels the run: ${label}`, async () => {
      const { code, stdout, stderr } = await interrupted([...extra]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/cancelling/);
      expect(stderr).toMatch(/was cancelled/);
      expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'CANCELLED' } });
      // Progress lines name running p-values while the permutations run.
      expect(stderr).toMatch(/permutations: a p=/);
    }, 120_000);
  }
});

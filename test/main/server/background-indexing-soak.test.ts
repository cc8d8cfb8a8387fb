// Soak: the built `milens serve` watching a folder that receives, for a bounded time, a stream of
// hostile files (DOCX zip bombs, FIFOs swapped in for notes, links out of the folder, binary files,
// a text whose extraction exceeds the worker's heap) between ordinary notes. The server must keep
// answering searches throughout, stay alive, index every ordinary note, and keep its resident memory
// bounded (read from /proc/<pid>/status). Requires `npm run build`; Linux only (/proc, mkfifo).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/database.js';
import type { SearchResponse } from '../../../main/api/contract.js';
import { MILENS_BIN, REPO_ROOT } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { makeDocxBomb } from '../ingest/hostile-fixtures.js';
import { callApi } from './http-helpers.js';

const SOAK_MS = 25_000;
/** Far above what serve needs (about 150-400 MB measured) and far below the 4.4 GB the bomb once took. */
const RSS_BOUND_MB = 1500;
const linux = process.platform === 'linux' && existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'milens.js'));

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kilobytes('VmRSS') / 1024, peakMb: kilobytes('VmHWM') / 1024 };
}

/** ~16 MB in one paragraph: more heap than the soak's 64 MB worker limit once split and tokenised. */
function heavyText(): string {
  const words: string[] = [];
  for (let index = 0; index < 3_000_000; index++) words.push(`w${(index % 100_000).toString(36)}`);
  return words.join(' ');
}

describe.skipIf(!linux)('milens serve under a stream of hostile files', () => {
  it('keeps answering searches, indexes the ordinary notes and stays within its memory bound', async () => {
    const root = realpathSync(makeTempFolder('milens-soak-'));
    const folder = path.join(root, 'inbox');
    const outside = path.join(root, 'outside');
    mkdirSync(folder);
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'secretword outside the collection\n');
    writeFileSync(path.join(folder, 'first.txt'), 'First note\n\nThe soak begins with orchards.\n');
    const databasePath = path.join(root, 'milens.sqlite');
    const indexed = spawnSync(process.execPath, [MILENS_BIN, 'index', folder, '--db', databasePath], { cwd: REPO_ROOT });
    expect(indexed.status, indexed.stderr.toString()).toBe(0);

    const child = spawn(process.execPath, [MILENS_BIN, 'serve', '--port', '0', '--db', databasePath, '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MILENS_HOME: root, MILENS_WORKER_HEAP_MB: '64' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => reject(new Error(`no URL from milens serve; stderr: ${stderr}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) {
            clearTimeout(timer);
            resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))));
          }
        });
      });
      const search = async (query: string) => {
        const reply = await callApi(port, token, 'search', [{ query }]);
        expect(reply.status, reply.body).toBe(200);
        return (JSON.parse(reply.body) as { value: SearchResponse }).value;
      };

      const bomb = makeDocxBomb(150 * 1024 * 1024);
      const heavy = heavyText();
      const ordinary: string[] = [];
      const samples: number[] = [];
      let searches = 0;
      const started = Date.now();
      for (let step = 0; Date.now() - started < SOAK_MS; step++) {
        const name = `item${step}`;
        switch (step % 6) {
          case 0: {
            const word = `soakword${step}x`;
            ordinary.push(word);
            writeFileSync(path.join(folder, `${name}.txt`), `Note ${step}\n\nThis ordinary note mentions ${word} once.\n`);
            break;
          }
          case 1:
            writeFileSync(path.join(folder, `${name}.docx`), bomb);
            break;
          case 2: {
            // A note replaced by a FIFO, as a process might leave behind.
            writeFileSync(path.join(folder, `${name}.txt`), 'about to become a pipe\n');
            const fifo = path.join(root, `${name}.fifo`);
            execFileSync('mkfifo', [fifo]);
            renameSync(fifo, path.join(folder, `${name}.txt`));
            break;
          }
          case 3:
            symlinkSync(outside, path.join(folder, `${name}-link`));
            break;
          case 4:
            writeFileSync(path.join(folder, `${name}.txt`), Buffer.from([0, 1, 2, 3, 0, 255, 254]));
            break;
          case 5:
            if (step % 12 === 5) writeFileSync(path.join(folder, `${name}.txt`), heavy);
            break;
        }
        await search('orchards');
        searches++;
        samples.push(memoryOf(child.pid!).rssMb);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(child.exitCode, stderr).toBeNull();

      // Every ordinary note becomes searchable; nothing from outside does.
      const deadline = Date.now() + 60_000;
      let missing = ordinary;
      while (missing.length > 0 && Date.now() < deadline) {
        const found: string[] = [];
        for (const word of missing) if ((await search(word)).results.length > 0) found.push(word);
        missing = missing.filter((word) => !found.includes(word));
        if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(missing, stderr).toEqual([]);
      expect((await search('secretword')).results).toEqual([]);
      expect((await search('orchards')).results.length).toBeGreaterThan(0);

      const { peakMb } = memoryOf(child.pid!);
      console.log(
        `soak: ${searches} searches, ${ordinary.length} notes, RSS samples max ${Math.max(...samples).toFixed(0)} MB, peak (VmHWM) ${peakMb.toFixed(0)} MB`,
      );
      expect(peakMb).toBeLessThan(RSS_BOUND_MB);
      expect(child.exitCode, stderr).toBeNull();
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    // The hostile files were met and skipped for their reasons (the last run's list).
    const db = openDatabase(databasePath, { readonly: true });
    try {
      const reasons = new Set(db.prepare('SELECT reason FROM skipped_files').pluck().all() as string[]);
      expect([...reasons].sort()).toEqual(
        expect.arrayContaining([
          'DOCX refused before unpacking: entry word/document.xml declares 150 MB uncompressed (limit 64 MB)',
          'binary file',
          'extraction ran out of memory (limit 64 MB)',
          `symbolic link leads outside the collection (${outside})`,
        ]),
      );
    } finally {
      db.close();
    }
  }, 150_000);
});

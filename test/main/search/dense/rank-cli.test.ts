// `milens rank` as a user runs it, on .npy files written with npyjs: one JSON line per query, best first;
// plain PMI (--no-hub-correction) ordered exactly as raw cosine; "no match" lists nothing unless --all;
// --min-bits as a plain cut-off; float16 input; clear errors naming the file or flag (exit code 2).
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump } from 'npyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../../../main/search/dense/synthetic-embeddings.js';
import { runMilens } from '../../../helpers/cli.js';

let root: string;
const data = generateSynthetic({ seed: 5, items: 3000, dimension: 128, matchingQueries: 40, noMatchQueries: 20, bursts: 10 });
const files = { items: '', queries: '', itemsF16: '', bank: '', ragged: '', zeros: '' };

interface Line {
  query: number;
  match: boolean;
  results: Array<{ item: number; bits: number; cosine: number }>;
}

function parseLines(stdout: string): Line[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

function toF16(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | mantissa;
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-rank-cli-')));
  const write = (name: string, buffer: ArrayBuffer) => {
    const file = path.join(root, name);
    writeFileSync(file, Buffer.from(buffer));
    return file;
  };
  files.items = write('items.npy', dump(data.items, [data.itemCount, data.dimension]));
  files.queries = write('queries.npy', dump(data.queries, [data.queryCount, data.dimension]));
  files.bank = write('bank.npy', dump(data.bank, [data.bankCount, data.dimension]));
  files.itemsF16 = write('items-f16.npy', dump(Uint16Array.from(data.items, toF16), [data.itemCount, data.dimension], { dtype: 'f2' }));
  files.ragged = write(
    'wrong-dimension.npy',
    dump(
      Float32Array.from({ length: 10 * 7 }, (_, i) => Math.sin(i + 1)),
      [10, 7],
    ),
  );
  const zeros = new Float32Array(3 * data.dimension);
  zeros[0] = 1;
  zeros[2 * data.dimension] = 1;
  files.zeros = write('zero-row.npy', dump(zeros, [3, data.dimension]));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('milens rank', () => {
  it('prints one JSON line per query, best first, with item, bits and cosine', async () => {
    const result = await runMilens(['rank', '--items', files.items, '--queries', files.queries, '--bank', files.bank, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines.map((line) => line.query)).toEqual(Array.from({ length: data.queryCount }, (_, i) => i));
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['query', 'match', 'results']);
      if (!line.match) expect(line.results).toEqual([]);
      const bits = line.results.map((entry) => entry.bits);
      expect([...bits].sort((a, b) => b - a)).toEqual(bits);
      for (const entry of line.results) expect(Object.keys(entry)).toEqual(['item', 'bits', 'cosine']);
    }
    // Most matching queries answer; most queries about absent items say nothing.
    const matching = lines.filter((line) => data.truth[line.query]! >= 0);
    const absent = lines.filter((line) => data.truth[line.query]! < 0);
    expect(matching.filter((line) => line.match).length).toBeGreaterThan(matching.length / 2);
    expect(absent.filter((line) => !line.match).length).toBeGreaterThan(absent.length / 2);
  });

  it('--no-hub-correction gives plain PMI, ordered exactly as raw cosine', async () => {
    const result = await runMilens([
      'rank',
      '--items',
      files.items,
      '--queries',
      files.queries,
      '--no-hub-correction',
      '--all',
      '--limit',
      '25',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    for (const line of parseLines(result.stdout)) {
      const q = line.query;
      const cosines = Array.from({ length: data.itemCount }, (_, item) => {
        let sum = 0;
        for (let d = 0; d < data.dimension; d++) sum += data.queries[q * data.dimension + d]! * data.items[item * data.dimension + d]!;
        return { item, sum };
      }).sort((a, b) => b.sum - a.sum || a.item - b.item);
      expect(line.results.map((entry) => entry.item)).toEqual(cosines.slice(0, 25).map((entry) => entry.item));
      expect(line.results[0]!.cosine).toBeCloseTo(cosines[0]!.sum, 4);
    }
  });

  it('--all lists queries that match nothing; --min-bits replaces the rule by a cut-off; float16 files load', async () => {
    const all = parseLines(
      (await runMilens(['rank', '--items', files.itemsF16, '--queries', files.queries, '--all', '--limit', '5', '--json'])).stdout,
    );
    expect(all.every((line) => line.results.length === 5)).toBe(true);
    const cut = parseLines(
      (await runMilens(['rank', '--items', files.items, '--queries', files.queries, '--min-bits', '6', '--json'])).stdout,
    );
    for (const line of cut) {
      for (const entry of line.results) expect(entry.bits).toBeGreaterThan(6);
      expect(line.match).toBe(line.results.length > 0);
    }
  });

  it('names the file or flag when the input is wrong', async () => {
    const mismatch = await runMilens(['rank', '--items', files.items, '--queries', files.ragged]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/queries have 7 dimensions but the items have 128/);
    const zero = await runMilens(['rank', '--items', files.zeros, '--queries', files.zeros]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('zero-row.npy: row 1 is all zeros');
    const notNpy = path.join(root, 'not.npy');
    writeFileSync(notNpy, 'hello');
    const garbage = await runMilens(['rank', '--items', notNpy, '--queries', files.queries]);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('not.npy');
    const scale = await runMilens(['rank', '--items', files.items, '--queries', files.queries, '--logit-scale', '-1']);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--logit-scale');
    const missing = await runMilens(['rank', '--items', path.join(root, 'absent.npy'), '--queries', files.queries]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('absent.npy');
  });
});

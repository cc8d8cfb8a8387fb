// `milens search` as a user runs it: the JSON contract, --queries, --limit and "no match".
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMilens } from '../helpers/cli.js';

let folder: string;
let db: string;
let root: string;

beforeAll(async () => {
  // One index shared by the suite (the per-test temp folders of helpers/temp.ts are removed after each test).
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-search-cli-')));
  folder = path.join(root, 'notes');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'owls.txt'), 'Great grey owl\n\nThe great grey owl hunts voles under deep snow.');
  writeFileSync(path.join(folder, 'snow.txt'), 'Snow\n\nFresh snow insulates the ground in winter.');
  writeFileSync(path.join(folder, 'bread.txt'), 'Bread\n\nKnead the dough and let it rise.');
  db = path.join(root, 'milens.sqlite');
  const indexed = await runMilens(['index', folder, '--db', db, '--json']);
  expect(indexed.code, indexed.stderr).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('milens search', () => {
  it('prints the JSON contract: query and results with path, score, bits, kind, snippet', async () => {
    const result = await runMilens(['search', 'owl', 'snow', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const response = JSON.parse(result.stdout) as { query: string; results: Array<Record<string, unknown>>; noMatch: boolean };
    expect(response.query).toBe('owl snow');
    expect(response.noMatch).toBe(false);
    expect(response.results[0].path).toBe(path.join(folder, 'owls.txt'));
    for (const item of response.results) {
      expect(Object.keys(item)).toEqual(['path', 'score', 'bits', 'kind', 'snippet']);
      expect(item.kind).toBe('text');
      expect(typeof item.score).toBe('number');
      expect(item.bits as number).toBeGreaterThan(0);
      expect(path.isAbsolute(item.path as string)).toBe(true);
    }
    expect(response.results.map((item) => path.basename(item.path as string))).not.toContain('bread.txt');
  });

  it('says when nothing matches, in JSON and in text', async () => {
    const json = JSON.parse((await runMilens(['search', 'quasar', '--db', db, '--json'])).stdout) as {
      results: unknown[];
      noMatch: boolean;
    };
    expect(json).toEqual({ query: 'quasar', results: [], noMatch: true });
    const text = await runMilens(['search', 'quasar', '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/nothing matches "quasar"/);
  });

  it('runs a TSV of queries, one JSON line per query, honouring --limit', async () => {
    const queries = path.join(root, 'queries.tsv');
    writeFileSync(queries, '12\tgreat grey owl\n\n13\tsnow winter ground\n14\tnothing-like-this\n');
    const result = await runMilens(['search', '--queries', queries, '--db', db, '--limit', '1', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; results: Array<{ path: string }> });
    expect(lines.map((line) => line.id)).toEqual(['12', '13', '14']);
    expect(Object.keys(lines[0])).toEqual(['id', 'results']);
    expect(lines[0].results).toHaveLength(1);
    expect(lines[0].results[0].path).toBe(path.join(folder, 'owls.txt'));
    expect(lines[1].results[0].path).toBe(path.join(folder, 'snow.txt'));
    expect(lines[2].results).toEqual([]);
  });

  it('rejects a bad --limit, a malformed query file and --kind image returns no text', async () => {
    expect((await runMilens(['search', 'owl', '--db', db, '--limit', '0'])).code).toBe(2);
    const bad = path.join(root, 'bad.tsv');
    writeFileSync(bad, 'no tab here\n');
    const malformed = await runMilens(['search', '--queries', bad, '--db', db]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('line 1');
    const images = JSON.parse((await runMilens(['search', 'owl', '--db', db, '--kind', 'image', '--json'])).stdout) as {
      results: unknown[];
    };
    expect(images.results).toEqual([]);
  });

  it("with --why adds the API's why to text results in JSON and prints a why line per result", async () => {
    const result = await runMilens(['search', 'owl', 'snow', '--db', db, '--json', '--why']);
    expect(result.code, result.stderr).toBe(0);
    const response = JSON.parse(result.stdout) as {
      results: Array<{ path: string; bits: number; why: { model: string; matchedTerms: Array<{ term: string; bits: number }> } }>;
    };
    const owls = response.results[0]!;
    expect(Object.keys(owls)).toEqual(['path', 'score', 'bits', 'kind', 'snippet', 'why']);
    expect(owls.why.model).toMatch(/query likelihood/i);
    expect(owls.why.matchedTerms.map((term) => term.term)).toContain('owl');
    const text = await runMilens(['search', 'owl', 'snow', '--db', db, '--why']);
    expect(text.code, text.stderr).toBe(0);
    const whyLines = text.stdout.split('\n').filter((line) => line.trim().startsWith('why: '));
    expect(whyLines).toHaveLength(response.results.length);
    expect(whyLines[0]).toContain(`model ${owls.why.model}`);
    expect(whyLines[0]).toMatch(/matched .*owl \d+\.\d\d/);
    // Without --why the human output has no why lines.
    expect((await runMilens(['search', 'owl', 'snow', '--db', db])).stdout).not.toContain('why: ');
  });
});

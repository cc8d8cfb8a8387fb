// Benchmark: peak memory (max RSS) and time of loading large and wide CSV tables, this build against a
// peer build (the base: `git archive main` built in another folder, passed with --peer), each load in a
// fresh child process, so that one load's peak is not another's. Each row names the data shape, the
// numeric data's size (rows × numeric columns × 8 bytes) and the peak as a multiple of it.
//
// Usage: node scripts/bench/table-memory.mjs --data /tmp/tables-bench [--peer /tmp/base] [--only name,name]
//        [--big] (adds the 2 GB table, 71 M rows × 3) [--keep] (keeps the generated files)
// The files are generated with a seeded generator (rounded floats with ties, small integers, missing
// cells, a text column); --keep leaves them for the next run, otherwise they are deleted at the end.
// Check free disk space first (`df -h`): the big table takes 2 GB.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { option, repo } from './lib/common.mjs';

const dataFolder = path.resolve(option('data', '/tmp/milens-table-bench'));
const peer = option('peer', undefined);
const only = option('only', undefined)?.split(',');
const big = process.argv.includes('--big');
const keep = process.argv.includes('--keep');

/** xorshift32 uniform in [0, 1), seeded. */
function uniforms(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** Data shapes: rows of cells from one seeded stream. */
const SHAPES = {
  numeric3: {
    describe: 'x (4-decimal floats, ties), y (integers 0-999), z (6 significant digits)',
    header: 'x,y,z',
    numericColumns: 3,
    row: (u) => `${(u() * 10).toFixed(4)},${Math.floor(u() * 1000)},${(u() * 2 - 1).toPrecision(6)}`,
  },
  mixed: {
    describe: 'x float, 8% missing (empty / NA), n integer, label text (5 levels), w float, flag true/false',
    header: 'x,n,label,w,flag',
    numericColumns: 3,
    row: (u) => {
      const r = u();
      const x = r < 0.05 ? '' : r < 0.08 ? 'NA' : (u() * 100).toFixed(3);
      return `${x},${Math.floor(u() * 50)},${['red', 'green', 'blue', 'amber', 'grey'][Math.floor(u() * 5)]},${u().toFixed(5)},${u() < 0.5}`;
    },
  },
};

const TABLES = [
  { name: 'numeric-250MB', shape: 'numeric3', rows: 11_000_000 },
  { name: 'mixed-120MB', shape: 'mixed', rows: 3_000_000 },
  { name: 'wide-20000x50', wide: { columns: 20_000, rows: 50 } },
  { name: 'wide-1000000x3', wide: { columns: 1_000_000, rows: 3 } },
  ...(big ? [{ name: 'numeric-2GB', shape: 'numeric3', rows: 71_000_000 }] : []),
].filter((table) => !only || only.includes(table.name));

async function writeLines(file, header, count, line) {
  const out = createWriteStream(file);
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve)));
  await write(`${header}\n`);
  let block = '';
  for (let i = 0; i < count; i++) {
    block += `${line(i)}\n`;
    if (block.length > 1 << 20) {
      await write(block);
      block = '';
    }
  }
  await write(block);
  await new Promise((resolve) => out.end(resolve));
}

async function ensure(table) {
  const file = path.join(dataFolder, `${table.name}.csv`);
  if (existsSync(file)) return file;
  if (table.wide) {
    const { columns, rows } = table.wide;
    const u = uniforms(7);
    const header = ['y', ...Array.from({ length: columns }, (_, c) => `c${c}`)].join(',');
    await writeLines(file, header, rows, () =>
      [u().toFixed(3), ...Array.from({ length: columns }, (_, c) => (c % 3 === 0 ? '1' : u().toFixed(3)))].join(','),
    );
  } else {
    const shape = SHAPES[table.shape];
    const u = uniforms(11);
    await writeLines(file, shape.header, table.rows, () => shape.row(u));
  }
  return file;
}

/** One load in a child process: its time, rows, columns and peak RSS (getrusage's ru_maxrss). */
function measure(build, file) {
  const url = pathToFileURL(path.join(build, 'dist', 'main', 'table', 'load.js')).href;
  const child = `
    const { loadTable } = await import(${JSON.stringify(url)});
    const started = performance.now();
    const table = await loadTable(${JSON.stringify(file)});
    const numeric = table.columns.filter((column) => column.type === 'numeric').length;
    console.log(JSON.stringify({ ms: performance.now() - started, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      rows: table.rowCount, columns: table.columns.length, numeric, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: { ...process.env, MILENS_MEMORY_LIMIT_BYTES: String(2 ** 50) }, // measure the load, not the refusal
  });
  if (result.status !== 0) return { error: (result.stderr || `exit ${result.status}`).trim().split('\n').at(-1) };
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

mkdirSync(dataFolder, { recursive: true });
const rows = [];
for (const table of TABLES) {
  const file = await ensure(table);
  const shape = table.wide
    ? `${table.wide.columns.toLocaleString('en-US')} columns × ${table.wide.rows} rows, a third constant`
    : SHAPES[table.shape].describe;
  const mine = measure(repo, file);
  const theirs = peer ? measure(path.resolve(peer), file) : null;
  const dataBytes = mine.error ? NaN : mine.rows * mine.numeric * 8;
  const gb = (bytes) => (bytes / 1e9).toFixed(2);
  rows.push({
    table: table.name,
    shape,
    'file GB': gb(statSync(file).size),
    'numeric data GB': gb(dataBytes),
    'peak RSS GB': mine.error ?? gb(mine.maxRssBytes),
    'peak / data': mine.error ? '-' : (mine.maxRssBytes / dataBytes).toFixed(2),
    'CPU s': mine.error ? '-' : (mine.cpuMs / 1000).toFixed(1),
    'wall s': mine.error ? '-' : (mine.ms / 1000).toFixed(1),
    ...(theirs
      ? {
          'peer peak RSS GB': theirs.error ?? gb(theirs.maxRssBytes),
          'peer CPU s': theirs.error ? '-' : (theirs.cpuMs / 1000).toFixed(1),
          'peak ratio (this / peer)': theirs.error || mine.error ? '-' : (mine.maxRssBytes / theirs.maxRssBytes).toFixed(2),
        }
      : {}),
  });
  console.error(`${table.name}: done`);
  if (!keep) rmSync(file);
}
console.table(rows);
if (!keep) rmSync(dataFolder, { recursive: true, force: true });

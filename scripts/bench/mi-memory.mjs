#!/usr/bin/env node
// Benchmark: peak memory (max RSS) and time of a whole `milens mi` run on a large numeric CSV, this
// build against a peer build (e.g. main's, passed with --peer), each run in a fresh process running the
// CLI itself. Each row names the data shape, the numeric data's size (rows × numeric columns × 8 bytes)
// and the peak as a multiple of it. With --phases, one more in-process run of this build prints the
// resident memory at each phase boundary (loaded, tie rule, each kernel call) and the peak seen while
// each phase ran, to show where the peak comes from.
//
// Usage: node scripts/bench/mi-memory.mjs --rows 11000000 [--data /tmp/mi-memory] [--peer /work/main]
//        [--target y] [--phases] [--keep]
// The file is generated with a seeded generator: x 4-decimal floats with ties, y integers 0–999,
// z 6 significant digits (71 M rows ≈ 1.5 GB). Check free disk space first (`df -h`).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { option, repo } from './lib/common.mjs';

const rows = Number(option('rows', '11000000'));
const dataFolder = path.resolve(option('data', '/tmp/milens-mi-memory'));
const peer = option('peer', undefined);
const target = option('target', 'y');
const keep = process.argv.includes('--keep');
const phases = process.argv.includes('--phases');
const SHAPE = 'x 4-decimal floats (ties), y integers 0-999, z 6 significant digits';

/** xorshift32 uniform in [0, 1), seeded (the generator of table-memory.mjs's numeric3 shape). */
function uniforms(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

async function generate(file) {
  const out = createWriteStream(file);
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve)));
  const u = uniforms(11);
  await write('x,y,z\n');
  let block = '';
  for (let i = 0; i < rows; i++) {
    block += `${(u() * 10).toFixed(4)},${Math.floor(u() * 1000)},${(u() * 2 - 1).toPrecision(6)}\n`;
    if (block.length > 1 << 20) {
      await write(block);
      block = '';
    }
  }
  await write(block);
  await new Promise((resolve) => out.end(resolve));
}

/** The CLI of `build` (`milens mi FILE --target T --json`) in a child process: time and peak RSS. */
function runCli(build, file) {
  const url = pathToFileURL(path.join(build, 'dist', 'cli', 'milens.js')).href;
  const child = `
    const { runCli } = await import(${JSON.stringify(url)});
    const started = performance.now();
    const code = await runCli(['mi', ${JSON.stringify(file)}, '--target', ${JSON.stringify(target)}, '--json']);
    const usage = process.resourceUsage();
    process.stderr.write('\\nRESULT ' + JSON.stringify({ code, ms: performance.now() - started,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssBytes: usage.maxRSS * 1024 }) + '\\n');`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, MILENS_MEMORY_LIMIT_BYTES: String(2 ** 50) }, // measure the run, not the refusal
  });
  const line = result.stderr.split('\n').find((text) => text.startsWith('RESULT '));
  if (!line) return { error: (result.stderr || `exit ${result.status}`).trim().split('\n').at(-1) };
  const measured = JSON.parse(line.slice('RESULT '.length));
  if (measured.code !== 0) return { error: `exit ${measured.code}: ${result.stderr.trim().split('\n')[0]}` };
  const report = JSON.parse(result.stdout);
  return { ...measured, mi: report.features.map((feature) => `${feature.name}=${feature.mi.toPrecision(6)}`).join(' ') };
}

/** Resident memory now and the peak so far (Linux /proc/self/status), in bytes. */
const PHASE_CHILD = String.raw`
  const { readFileSync } = await import('node:fs');
  const status = () => {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kb = (key) => Number(new RegExp(key + ':\\s+(\\d+)').exec(text)[1]) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  };
  const gb = (bytes) => (bytes / 1e9).toFixed(2);
  const dist = (module) => import(new URL('dist/main/' + module, BUILD).href);
  const { loadTable } = await dist('table/load.js');
  const { estimateMutualInformation } = await dist('mi/estimate.js');
  const { getCompute } = await dist('compute/index.js');
  const backend = await getCompute();
  let phase = 'start', phasePeak = 0;
  const sampler = setInterval(() => (phasePeak = Math.max(phasePeak, status().rss)), 5);
  const log = (next) => {
    const now = status();
    phasePeak = Math.max(phasePeak, now.rss);
    console.log(phase.padEnd(40) + ' peak while running ' + gb(phasePeak) + ' GB; at its end rss ' + gb(now.rss) + ' GB, hwm ' + gb(now.hwm) + ' GB');
    phase = next;
    phasePeak = now.rss;
  };
  const timed = Object.create(backend);
  for (const kernel of ['ksgCounts', 'rossCounts', 'correlations', 'ksgPermutationCounts']) {
    if (typeof backend[kernel] !== 'function') continue;
    timed[kernel] = async (...args) => {
      log(kernel + ' call');
      const result = await backend[kernel](...args);
      log('after ' + kernel);
      return result;
    };
  }
  log('loading');
  const table = await loadTable(FILE);
  log('engine (before the first kernel)');
  await estimateMutualInformation(timed, table, TARGET, {});
  log('end');
  clearInterval(sampler);`;

function runPhases(file) {
  const child = `const BUILD = ${JSON.stringify(pathToFileURL(repo + '/').href)}; const FILE = ${JSON.stringify(file)}; const TARGET = ${JSON.stringify(target)};\n${PHASE_CHILD}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    env: { ...process.env, MILENS_MEMORY_LIMIT_BYTES: String(2 ** 50) },
  });
  process.stdout.write(result.stdout);
  if (result.status !== 0) process.stderr.write(result.stderr);
}

mkdirSync(dataFolder, { recursive: true });
const file = path.join(dataFolder, `numeric-${rows}x3.csv`);
if (!existsSync(file)) {
  console.error(`generating ${file} (${rows.toLocaleString('en-US')} rows)…`);
  await generate(file);
}
const dataBytes = rows * 3 * 8;
const gb = (bytes) => (bytes / 1e9).toFixed(2);
const builds = [{ name: 'this build', folder: repo }, ...(peer ? [{ name: `peer (${peer})`, folder: path.resolve(peer) }] : [])];
const measured = builds.map((build) => {
  console.error(`${build.name}: milens mi --target ${target}…`);
  return { build, result: runCli(build.folder, file) };
});
const mine = measured[0].result;
console.table(
  measured.map(({ build, result }) => ({
    build: build.name,
    'data shape': `${rows.toLocaleString('en-US')} rows × 3: ${SHAPE}`,
    'file GB': gb(statSync(file).size),
    'numeric data GB': gb(dataBytes),
    'peak RSS GB': result.error ?? gb(result.maxRssBytes),
    'peak / data': result.error ? '-' : (result.maxRssBytes / dataBytes).toFixed(2),
    'wall s': result.error ? '-' : (result.ms / 1000).toFixed(1),
    'CPU s': result.error ? '-' : (result.cpuMs / 1000).toFixed(1),
    "peak / this build's peak": result.error || mine.error ? '-' : (result.maxRssBytes / mine.maxRssBytes).toFixed(2),
  })),
);
for (const { build, result } of measured) if (!result.error) console.log(`${build.name}: ${result.mi}`);
if (phases) runPhases(file);
if (!keep) rmSync(dataFolder, { recursive: true, force: true });

// Benchmark: peak memory and time of indexing large documents, this build against a named peer build
// (by default the main branch, exported and built in /tmp). Data shapes, generated here:
//   six-60mb-text: six text files of 60 MB each: prose-like lines of words from a 20,000-word vocabulary,
//     paragraphs of six lines (how a log, a book dump or an export of notes looks);
//   long-pdf: one PDF of 20,000 pages with a line of text each (written by hand, no library).
// Each build indexes each shape in a fresh child process with a fresh database; the row prints the
// process's peak RSS (getrusage maxRSS: main thread and workers together), wall time, what was indexed
// and skipped, and this build's ratio to the peer in the same run.
// Usage:
//   git archive main | tar -x -C /tmp/milens-base && ln -s "$PWD/node_modules" /tmp/milens-base/node_modules
//   (cd /tmp/milens-base && npm run build --silent) && npm run build --silent
//   node scripts/bench/ingest-memory.mjs [--peer /tmp/milens-base] [--files 6] [--mb 60] [--pages 20000] [--timeout-s 600]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { option, repo } from './lib/common.mjs';

const peer = path.resolve(option('peer', '/tmp/milens-base'));
const fileCount = Number(option('files', 6));
const megabytes = Number(option('mb', 60));
const pages = Number(option('pages', 20_000));
const timeoutMs = Number(option('timeout-s', 600)) * 1000;

/** Prose-like text of about `bytes` bytes: seeded words, lines of ~80 characters, 6-line paragraphs. */
function proseText(bytes, seed) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const vocabulary = Array.from({ length: 20_000 }, (_, index) => {
    let word = '';
    const length = 3 + (index % 8);
    for (let letter = 0; letter < length; letter++) word += String.fromCharCode(97 + (next() % 26));
    return word;
  });
  const buffer = Buffer.alloc(bytes);
  let at = 0;
  let lineLength = 0;
  let lines = 0;
  while (at < bytes - 12) {
    const word = vocabulary[next() % vocabulary.length];
    at += buffer.write(word, at, 'latin1');
    lineLength += word.length + 1;
    if (lineLength >= 78) {
      buffer[at++] = 10;
      lineLength = 0;
      if (++lines % 6 === 0) buffer[at++] = 10;
    } else buffer[at++] = 32;
  }
  return buffer.subarray(0, at);
}

/** A PDF of `count` pages, each with one line of Helvetica text: catalog, pages, font, page + content per page. */
function longPdf(count) {
  const chunks = [];
  const offsets = [];
  let length = 0;
  const add = (text) => {
    chunks.push(text);
    length += Buffer.byteLength(text, 'latin1');
  };
  const object = (number, body) => {
    offsets[number] = length;
    add(`${number} 0 obj\n${body}\nendobj\n`);
  };
  add('%PDF-1.4\n');
  const pageObject = (index) => 4 + 2 * index;
  const kids = Array.from({ length: count }, (_, index) => `${pageObject(index)} 0 R`).join(' ');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(2, `<< /Type /Pages /Kids [${kids}] /Count ${count} >>`);
  object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  for (let index = 0; index < count; index++) {
    const content = `BT /F1 12 Tf 72 720 Td (Page ${index + 1} of the long report on orchards and entropy) Tj ET`;
    object(
      pageObject(index),
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${pageObject(index) + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`,
    );
    object(pageObject(index) + 1, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }
  const size = 4 + 2 * count;
  const xref = length;
  add(`xref\n0 ${size}\n0000000000 65535 f \n`);
  for (let number = 1; number < size; number++) add(`${String(offsets[number]).padStart(10, '0')} 00000 n \n`);
  add(`trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.from(chunks.join(''), 'latin1');
}

const DRIVER = `
const [build, folder, databaseFile] = process.argv.slice(1);
const { openDatabase } = await import(new URL('dist/db/database.js', build).href);
const { IndexingService } = await import(new URL('dist/main/ingest/indexing-service.js', build).href);
const db = openDatabase(databaseFile);
const started = performance.now();
const report = await new IndexingService(db).indexFolder(folder);
const elapsedMs = performance.now() - started;
db.close();
process.stdout.write(JSON.stringify({ elapsedMs, peakRssKb: process.resourceUsage().maxRSS, added: report.added,
  skipped: report.skipped.map((entry) => entry.reason) }));
process.exit(0);
`;

function indexWith(build, folder, databaseFile) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', DRIVER, pathToFileURL(build + path.sep).href, folder, databaseFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code === 0 && stdout) resolve({ ok: true, ...JSON.parse(stdout) });
      else {
        const why =
          signal === 'SIGKILL'
            ? `did not finish in ${timeoutMs / 1000} s`
            : `exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-1)[0]}`;
        resolve({ ok: false, why, elapsedMs: wallMs });
      }
    });
  });
}

const work = mkdtempSync(path.join(os.tmpdir(), 'milens-ingest-bench-'));
try {
  const shapes = [];
  const textFolder = path.join(work, 'six-60mb-text');
  mkdirSync(textFolder);
  for (let index = 0; index < fileCount; index++)
    writeFileSync(path.join(textFolder, `dump${index}.txt`), proseText(megabytes * 1e6, index + 1));
  shapes.push({ name: `${fileCount} x ${megabytes} MB text (prose lines, 6-line paragraphs)`, folder: textFolder });
  const pdfFolder = path.join(work, 'long-pdf');
  mkdirSync(pdfFolder);
  const pdf = longPdf(pages);
  writeFileSync(path.join(pdfFolder, 'report.pdf'), pdf);
  shapes.push({ name: `one PDF of ${pages} pages (${(pdf.length / 1e6).toFixed(1)} MB, a line per page)`, folder: pdfFolder });

  const builds = [
    { name: `peer (${peer})`, root: peer },
    { name: 'this build', root: repo },
  ];
  console.log('data shape | build | peak RSS MB | seconds | indexed | skipped (reason) | RSS ratio this/peer | time ratio this/peer');
  for (const shape of shapes) {
    const results = [];
    for (const build of builds) {
      const result = await indexWith(build.root, shape.folder, path.join(work, `${results.length}-${path.basename(shape.folder)}.sqlite`));
      results.push(result);
      const rss = result.ok ? (result.peakRssKb / 1024).toFixed(0) : '-';
      const seconds = (result.elapsedMs / 1000).toFixed(1);
      const skipped = result.ok
        ? result.skipped.length
          ? `${result.skipped.length} (${[...new Set(result.skipped)].join('; ')})`
          : '0'
        : result.why;
      let ratios = '';
      if (results.length === 2 && results[0].ok && result.ok) {
        ratios = ` | ${(result.peakRssKb / results[0].peakRssKb).toFixed(2)} | ${(result.elapsedMs / results[0].elapsedMs).toFixed(2)}`;
      }
      console.log(`${shape.name} | ${build.name} | ${rss} | ${seconds} | ${result.ok ? result.added : '-'} | ${skipped}${ratios}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

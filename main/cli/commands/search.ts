// `milens search <query>` and `milens search --queries <file.tsv>` (one JSON line per query).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SearchFilters, SearchKind, SearchRequest, SearchResponse, SearchResult } from '../../api/contract.js';
import { invalidArgument, unreadable } from '../../api/errors.js';
import { formatTable, printJson, printJsonLine, printText } from '../output.js';
import { withApi, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';

interface SearchOptions extends CommonOptions {
  limit: string;
  kind?: string;
  queries?: string;
  minBits?: string;
  showWeaker?: boolean;
  image?: string;
  takenFrom?: string;
  takenTo?: string;
  camera?: string;
  location?: boolean;
  collection?: string[];
  diversify?: boolean;
  why?: boolean;
}

/**
 * The CLI's JSON shape of a result: path, score, bits, kind, snippet for every result (exactly these
 * keys, in this order, for text; with `--why` a sixth, `why`, the API's explanation), then for photos
 * what the file says, its thumbnail, the near-duplicates folded into it and why it is where it is
 * (photos carry `why` always). Text's `why` is behind a flag because the five-key shape is a contract
 * scripts rely on (`--queries` at depth 1000 for the collection evaluations would grow by every
 * matched term of every result).
 */
function resultJson(result: SearchResult, withWhy: boolean) {
  const base = { path: result.path, score: result.score, bits: result.bits, kind: result.kind, snippet: result.snippet };
  if (result.kind !== 'image') return withWhy && result.why ? { ...base, why: result.why } : base;
  return { ...base, itemId: result.itemId, photo: result.photo, thumbnail: result.thumbnail, folded: result.folded ?? [], why: result.why };
}

/** One short line saying why a result is where it is (`--why`): the model and the figures it used. */
export function whyLine(result: SearchResult): string {
  const why = result.why;
  if (!why) return 'why: no explanation given';
  const parts = [`model ${why.model}`];
  if (why.matchedTerms && why.matchedTerms.length > 0)
    parts.push(`matched ${why.matchedTerms.map((term) => `${term.term} ${term.bits.toFixed(2)}`).join(', ')} bits`);
  if (why.cosine !== undefined) parts.push(`cosine ${why.cosine.toFixed(3)}`);
  if (why.hubCorrectionBits !== undefined) parts.push(`hub correction ${why.hubCorrectionBits.toFixed(2)} bits`);
  if (why.normaliserBits !== undefined) parts.push(`normaliser ${why.normaliserBits.toFixed(2)} bits`);
  for (const note of why.notes ?? []) parts.push(note);
  return `why: ${parts.join('; ')}`;
}

function parseDateFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$/.test(value.trim()))
    throw invalidArgument(`Expected ${flag} to be a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM) but received ${JSON.stringify(value)}.`);
  return value.trim();
}

function parseFilters(options: SearchOptions): SearchFilters | undefined {
  const filters: SearchFilters = {};
  const takenFrom = parseDateFlag('--taken-from', options.takenFrom);
  const takenTo = parseDateFlag('--taken-to', options.takenTo);
  if (takenFrom) filters.takenFrom = takenFrom;
  if (takenTo) filters.takenTo = takenTo;
  if (options.camera !== undefined) filters.camera = options.camera;
  if (options.location !== undefined) filters.hasLocation = options.location;
  if (options.collection !== undefined) {
    filters.collectionIds = options.collection.map((text) => {
      const id = Number(text);
      if (!Number.isInteger(id) || id < 1)
        throw invalidArgument(`Expected --collection to be a collection id but received ${JSON.stringify(text)}.`);
      return id;
    });
  }
  return Object.keys(filters).length > 0 ? filters : undefined;
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1)
    throw invalidArgument(`Expected --limit to be a positive integer but received ${JSON.stringify(text)}.`);
  return limit;
}

function parseKind(text: string): SearchKind {
  if (text !== 'text' && text !== 'image' && text !== 'all')
    throw invalidArgument(`Expected --kind to be text, image or all but received ${JSON.stringify(text)}.`);
  return text;
}

/** Reads `id<TAB>query text` lines; blank lines are ignored. */
export function readQueryFile(file: string): Array<{ id: string; query: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(file, (error as Error).message);
  }
  const queries: Array<{ id: string; query: string }> = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab <= 0) throw invalidArgument(`${file} line ${index + 1}: expected "id<TAB>query text".`, { path: file, line: index + 1 });
    queries.push({ id: line.slice(0, tab).trim(), query: line.slice(tab + 1) });
  });
  return queries;
}

function describeResult(result: SearchResult): string {
  if (result.kind === 'image') {
    const folded = result.folded && result.folded.length > 0 ? ` (+${result.folded.length} near-duplicates)` : '';
    const cosine = result.why?.cosine === undefined ? '' : `cos ${result.why.cosine.toFixed(3)}`;
    return `${result.photo?.takenAt ?? ''} ${cosine}${folded}`.trim();
  }
  return result.snippet.length > 100 ? `${result.snippet.slice(0, 97)}...` : result.snippet;
}

function printReadable(response: SearchResponse, withWhy: boolean): void {
  if (response.noMatch) {
    printText(`nothing matches "${response.query}" (nothing here is more likely under the query than chance would make it)`);
    return;
  }
  printText(
    formatTable(
      ['bits', 'kind', 'path', 'about'],
      response.results.map((result) => [Number(result.bits.toFixed(2)), result.kind, result.path, describeResult(result)]),
    ),
  );
  if (withWhy) {
    printText('');
    response.results.forEach((result, rank) => printText(`${rank + 1}. ${result.path}\n   ${whyLine(result)}`));
  }
}

export function registerSearch(program: Command): void {
  withJsonOption(
    withDatabaseOption(
      program
        .command('search')
        .argument('[query...]', 'words to search for')
        .description('search the indexed collections; scores are pointwise mutual information in bits')
        .option('--queries <file.tsv>', 'run every "id<TAB>query" line of a file; prints one JSON line per query')
        .option('--limit <n>', 'results per query', '20')
        .option('--kind <kind>', 'text, image or all (default: all; image with --image)')
        .option('--image <file>', 'an example photo: find photos like it (with words: both together)')
        .option('--min-bits <bits>', 'list results above this PMI (bits) instead of applying the "no match" rule')
        .option('--show-weaker', 'also list weaker results (positive evidence, below the "no match" rule)')
        .option('--taken-from <date>', 'photos taken on or after this date (YYYY-MM-DD)')
        .option('--taken-to <date>', 'photos taken on or before this date (YYYY-MM-DD)')
        .option('--camera <name>', 'photos from a camera whose make or model contains this')
        .option('--location', 'only photos with GPS coordinates')
        .option('--no-location', 'only photos without GPS coordinates')
        .option('--collection <id...>', 'only items of these collections')
        .option('--diversify', 'rerank photos by maximal marginal relevance (fewer near-repeats on the first page)')
        .option(
          '--why',
          'say why each result is where it is (model, matched words or cosine, corrections); adds "why" to text results in --json',
        ),
    ),
  ).action(async (words: string[], options: SearchOptions) => {
    const limit = parseLimit(options.limit);
    const kind = parseKind(options.kind ?? (options.image && words.length === 0 ? 'image' : 'all'));
    const filters = parseFilters(options);
    const extras: Partial<SearchRequest> = {
      ...(options.showWeaker ? { showWeaker: true } : {}),
      ...(options.image ? { image: options.image } : {}),
      ...(filters ? { filters } : {}),
      ...(options.diversify ? { diversify: true } : {}),
    };
    const minBits = options.minBits === undefined ? undefined : Number(options.minBits);
    if (minBits !== undefined && !Number.isFinite(minBits))
      throw invalidArgument(`Expected --min-bits to be a number but received ${JSON.stringify(options.minBits)}.`);
    if (options.queries) {
      if (words.length > 0) throw invalidArgument('Give either a query or --queries <file.tsv>, not both.');
      const queries = readQueryFile(options.queries);
      await withApi(options, async (api) => {
        for (const { id, query } of queries) {
          const response = await api.search({ query, limit, kind, minBits, ...extras });
          printJsonLine({ id, results: response.results.map((result) => resultJson(result, options.why === true)) });
        }
      });
      return;
    }
    const query = words.join(' ');
    if (query.trim() === '' && !options.image)
      throw invalidArgument('Give a query (milens search <query>), --image <file> or --queries <file.tsv>.');
    const response = await withApi(options, (api) => api.search({ query, limit, kind, minBits, ...extras }));
    if (options.json)
      return printJson({
        query: response.query,
        results: response.results.map((result) => resultJson(result, options.why === true)),
        noMatch: response.noMatch ?? false,
      });
    printReadable(response, options.why === true);
  });
}

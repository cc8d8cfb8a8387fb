// `milens search <query>` and `milens search --queries <file.tsv>` (one JSON line per query).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SearchKind, SearchResponse, SearchResult } from '../../api/contract.js';
import { invalidArgument, unreadable } from '../../api/errors.js';
import { formatTable, printJson, printJsonLine, printText } from '../output.js';
import { withApi, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';

interface SearchOptions extends CommonOptions {
  limit: string;
  kind: string;
  queries?: string;
  minBits?: string;
}

/** The CLI's JSON shape of a result: exactly these keys, in this order. */
function resultJson(result: SearchResult) {
  return { path: result.path, score: result.score, bits: result.bits, kind: result.kind, snippet: result.snippet };
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

function printReadable(response: SearchResponse): void {
  if (response.noMatch) {
    printText(`nothing matches "${response.query}" (no document makes the query more likely than the collection does)`);
    return;
  }
  printText(
    formatTable(
      ['bits', 'path', 'snippet'],
      response.results.map((result) => [
        Number(result.bits.toFixed(2)),
        result.path,
        result.snippet.length > 100 ? `${result.snippet.slice(0, 97)}...` : result.snippet,
      ]),
    ),
  );
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
        .option('--kind <kind>', 'text, image or all', 'all')
        .option('--min-bits <bits>', 'also drop results whose query PMI (log2 p(q|d)/p(q|C)) is not above this, e.g. 0'),
    ),
  ).action(async (words: string[], options: SearchOptions) => {
    const limit = parseLimit(options.limit);
    const kind = parseKind(options.kind);
    const minBits = options.minBits === undefined ? undefined : Number(options.minBits);
    if (minBits !== undefined && !Number.isFinite(minBits))
      throw invalidArgument(`Expected --min-bits to be a number but received ${JSON.stringify(options.minBits)}.`);
    if (options.queries) {
      if (words.length > 0) throw invalidArgument('Give either a query or --queries <file.tsv>, not both.');
      const queries = readQueryFile(options.queries);
      await withApi(options, async (api) => {
        for (const { id, query } of queries) {
          const response = await api.search({ query, limit, kind, minBits });
          printJsonLine({ id, results: response.results.map(resultJson) });
        }
      });
      return;
    }
    const query = words.join(' ');
    if (query.trim() === '') throw invalidArgument('Give a query (milens search <query>) or --queries <file.tsv>.');
    const response = await withApi(options, (api) => api.search({ query, limit, kind, minBits }));
    if (options.json)
      return printJson({ query: response.query, results: response.results.map(resultJson), noMatch: response.noMatch ?? false });
    printReadable(response);
  });
}

// `milens rank --items items.npy --queries queries.npy`: ranks embeddings computed elsewhere (float32 or
// float16 .npy rows, L2-normalised on load) by PMI in bits with milens' hub correction and no-match rule.
// `--json` prints one line per query: {"query":0,"match":true,"results":[{"item":17,"bits":6.2,"cosine":0.31},…]}.
import type { Command } from 'commander';
import { invalidArgument } from '../../api/errors.js';
import { DEFAULT_LOGIT_SCALE, round4 } from '../../search/dense/pmi.js';
import { formatTable, logInfo, printJsonLine, printText } from '../output.js';
import { withJsonOption } from '../shell.js';
import { parseIntegerFlag } from './mi.js';

interface RankOptions {
  items?: string;
  queries?: string;
  bank?: string;
  logitScale: string;
  logitBias: string;
  limit: string;
  minBits?: string;
  all?: boolean;
  hubCorrection: boolean;
  json?: boolean;
}

function parseNumberFlag(flag: string, value: string, check: (number: number) => boolean, expected: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || !check(number))
    throw invalidArgument(`Expected ${flag} to be ${expected} but received "${value}"`, { argument: flag, value });
  return number;
}

export function registerRank(program: Command): void {
  withJsonOption(
    program
      .command('rank')
      .description('rank embeddings computed elsewhere (.npy rows) by PMI in bits, with hub correction and "no match"')
      .option('--items <file.npy>', 'the collection: one embedding per row (float32 or float16)')
      .option('--queries <file.npy>', 'the queries: one embedding per row, same dimension')
      .option('--bank <file.npy>', 'queries to estimate hubs from (default: the queries, each left out of its own correction)')
      .option('--logit-scale <scale>', "the model's logit scale (CLIP: 100)", String(DEFAULT_LOGIT_SCALE))
      .option('--logit-bias <bias>', "the model's logit bias (SigLIP); it cancels in PMI", '0')
      .option('--limit <n>', 'results per query', '10')
      .option('--min-bits <bits>', 'list items above this PMI instead of applying the no-match rule')
      .option('--all', 'list the best --limit items of every query, even when it matches nothing')
      .option('--no-hub-correction', 'plain PMI (ranks exactly as raw cosine)'),
  ).action(async (options: RankOptions) => {
    if (!options.items) throw invalidArgument('Give the collection with --items <file.npy>.', { argument: '--items' });
    if (!options.queries) throw invalidArgument('Give the queries with --queries <file.npy>.', { argument: '--queries' });
    const logitScale = parseNumberFlag('--logit-scale', options.logitScale, (n) => n > 0, 'a positive number');
    parseNumberFlag('--logit-bias', options.logitBias, () => true, 'a number');
    const limit = parseIntegerFlag('--limit', options.limit, 1, 4096)!;
    const minBits = options.minBits === undefined ? undefined : parseNumberFlag('--min-bits', options.minBits, () => true, 'a number');
    // Loaded here, not at start-up: every other command would pay for the ranker, the compute backends and
    // the .npy reader.
    const [{ getCompute }, { loadNpyRows }, { rankEmbeddings }] = await Promise.all([
      import('../../compute/index.js'),
      import('../../search/dense/npy-rows.js'),
      import('../../search/dense/rank-embeddings.js'),
    ]);
    const items = loadNpyRows(options.items, '--items');
    const queries = loadNpyRows(options.queries, '--queries');
    const bank = options.bank ? loadNpyRows(options.bank, '--bank') : undefined;
    const compute = await getCompute();
    const { rankings, correction } = await rankEmbeddings(compute, {
      items,
      queries,
      ...(bank ? { bank } : {}),
      logitScale,
      limit,
      ...(minBits === undefined ? {} : { minBits }),
      all: options.all ?? false,
      hubCorrection: options.hubCorrection,
    });
    if (!options.json)
      logInfo(`${items.count} items, ${queries.count} queries, hub correction from: ${correction}; backend ${compute.name}`);
    rankings.forEach((ranking, query) => {
      const results = ranking.results.map((result) => ({ item: result.item, bits: round4(result.bits), cosine: round4(result.cosine) }));
      if (options.json) {
        printJsonLine({ query, match: ranking.match, results });
        return;
      }
      if (results.length === 0) {
        printText(
          ranking.rule === 'min bits'
            ? `query ${query}: nothing here matches (no item above ${round4(ranking.thresholdBits)} bits)`
            : `query ${query}: nothing here matches (p = ${round4(ranking.bestPValue)} that chance alone gives the best item its standing, ${ranking.rule} rule)`,
        );
        return;
      }
      printText(`query ${query}${ranking.match ? '' : ' (no match; --all lists it anyway)'}:`);
      printText(
        formatTable(
          ['item', 'bits', 'cosine'],
          results.map((result) => [result.item, result.bits, result.cosine]),
        ),
      );
    });
  });
}

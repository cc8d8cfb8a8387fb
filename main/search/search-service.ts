// Text search over the index: tokenise the query, score passages by query likelihood (a sum of PMI),
// expand the query from the best passages and score again, keep documents that carry positive evidence
// for the query (and, on request, clear a bits threshold), attach snippets. The background model is
// p(w|C) = df(w) / Σ df: each passage counts once per distinct word, so one long document repeating a
// word cannot make it look common (measured better than cf / |C| on every test collection).
import type { Database } from 'better-sqlite3';
import type { SearchRequest, SearchResponse, SearchResult } from '../api/contract.js';
import { invalidArgument, invalidType, requireInteger } from '../api/errors.js';
import { DocumentsRepository } from '../../db/repositories/documents-repository.js';
import { TextIndexReader, type PostingList } from '../../db/repositories/text-index-repository.js';
import { DEFAULT_SEARCH_PARAMETERS, type SearchParameters } from './parameters.js';
import { feedbackTermWeights } from './query-expansion.js';
import { absentTermPmi, scoreDocuments, type PassageScore, type SmoothingParameters, type WeightedTerm } from './query-likelihood.js';
import { makeSnippet } from './snippets.js';
import { termFrequencies, tokenize } from './tokenizer.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 10_000;

/** A search answer with the ranking details the evaluation and debugging want. */
export interface TextSearchOutcome extends SearchResponse {
  /** Query terms that no indexed passage contains (they cannot discriminate and are ignored). */
  unknownTerms: string[];
  mu: number;
}

const LN2 = Math.LN2;

export class SearchService {
  private readonly reader: TextIndexReader;
  private readonly documents: DocumentsRepository;

  constructor(
    db: Database,
    private readonly parameters: SearchParameters = DEFAULT_SEARCH_PARAMETERS,
  ) {
    this.reader = new TextIndexReader(db);
    this.documents = new DocumentsRepository(db);
  }

  search(request: SearchRequest): TextSearchOutcome {
    const started = performance.now();
    if (typeof request.query !== 'string') throw invalidType('query', 'a string', request.query);
    const limit = request.limit === undefined ? DEFAULT_LIMIT : requireInteger('limit', request.limit, 1, MAX_LIMIT);
    const kind = request.kind ?? 'all';
    if (!['text', 'image', 'all'].includes(kind))
      throw invalidArgument(`Expected kind to be text, image or all but received ${JSON.stringify(kind)}.`);

    const finish = (results: SearchResult[], unknownTerms: string[], mu: number): TextSearchOutcome => ({
      query: request.query,
      results,
      noMatch: results.length === 0,
      elapsedMs: Math.round((performance.now() - started) * 100) / 100,
      unknownTerms,
      mu,
    });

    const queryCounts = termFrequencies(tokenize(request.query));
    // Image items are indexed by another part of milens; this service only ranks text.
    if (kind === 'image' || queryCounts.size === 0) return finish([], [], 0);
    const totals = this.reader.corpusTotals();
    if (totals.tokens === 0) return finish([], [...queryCounts.keys()], 0);
    const mu = this.parameters.muPerAverageLength * (totals.tokens / totals.passages);
    const smoothing = { mu, queryNoise: this.parameters.queryNoise };

    const postingsCache = new Map<number, PostingList>();
    const postingsOf = (termId: number) => {
      let list = postingsCache.get(termId);
      if (!list) {
        list = this.reader.postings(termId);
        postingsCache.set(termId, list);
      }
      return list;
    };
    const collectionProbabilities = new Map<number, number>();
    const unknownTerms: string[] = [];
    const original: WeightedTerm[] = [];
    for (const [term, count] of queryCounts) {
      const statistics = this.reader.term(term);
      if (!statistics || statistics.df <= 0) {
        unknownTerms.push(term);
        continue;
      }
      const collectionProbability = statistics.df / totals.postings;
      collectionProbabilities.set(statistics.id, collectionProbability);
      original.push({ termId: statistics.id, weight: count, collectionProbability, postings: postingsOf(statistics.id) });
    }
    if (original.length === 0) return finish([], unknownTerms, mu);

    const originalScores = scoreDocuments(original, smoothing);
    let rankingScores = originalScores;
    const expansion = this.parameters.expansion;
    if (expansion && expansion.feedbackWeight > 0) {
      rankingScores = this.expandAndRescore(original, originalScores, smoothing, totals.postings, collectionProbabilities, postingsOf);
    }

    // The original query's PMI of a document the expansion alone found: every original term is absent.
    const queryWeight = original.reduce((sum, term) => sum + term.weight, 0);
    const originalBits = (entry: PassageScore) =>
      (originalScores.get(entry.documentId)?.score ?? queryWeight * absentTermPmi(entry.length, smoothing)) / LN2;
    const minimumBits = request.minBits ?? this.parameters.minimumBits;
    if (minimumBits !== undefined && minimumBits !== null && !Number.isFinite(minimumBits))
      throw invalidType('minBits', 'a finite number', minimumBits);
    const ranked = [...rankingScores.values()]
      // "No match" rule: a result must use some word of the query it is ranked by more than the collection does.
      .filter(
        (entry) => entry.positiveTerms > 0 && (minimumBits === null || minimumBits === undefined || originalBits(entry) > minimumBits),
      )
      .sort((a, b) => b.score - a.score || a.documentId - b.documentId)
      .slice(0, limit);
    const display = this.documents.display(ranked.map((entry) => entry.documentId));
    const queryTerms = new Set(queryCounts.keys());
    const results: SearchResult[] = [];
    for (const entry of ranked) {
      const document = display.get(entry.documentId);
      if (!document) continue;
      const passage = this.reader.passage(entry.passageId);
      results.push({
        path: document.path,
        score: round(entry.score),
        bits: round(originalBits(entry)),
        kind: 'text',
        title: document.title,
        snippet: passage ? makeSnippet(passage.text, queryTerms) : '',
      });
    }
    return finish(results, unknownTerms, mu);
  }

  private expandAndRescore(
    original: readonly WeightedTerm[],
    originalScores: Map<number, PassageScore>,
    smoothing: SmoothingParameters,
    totalPostings: number,
    collectionProbabilities: Map<number, number>,
    postingsOf: (termId: number) => PostingList,
  ): Map<number, PassageScore> {
    const expansion = this.parameters.expansion!;
    const feedback = [...originalScores.values()]
      .filter((entry) => entry.score > 0)
      .sort((a, b) => b.score - a.score || a.documentId - b.documentId)
      .slice(0, expansion.feedbackPassages)
      .map((entry) => ({ termVector: this.reader.termVectorBlob(entry.passageId), length: entry.length, score: entry.score }));
    const probabilityOf = (termId: number) => {
      let probability = collectionProbabilities.get(termId);
      if (probability === undefined) {
        probability = (this.reader.termById(termId)?.df ?? 0) / totalPostings;
        collectionProbabilities.set(termId, probability);
      }
      return probability;
    };
    const feedbackWeights = feedbackTermWeights(feedback, probabilityOf, expansion);
    if (feedbackWeights.size === 0) return originalScores;
    // Mixed query: (1 − λ) · original + λ · feedback model, scaled to the original query's total weight.
    const queryWeight = original.reduce((sum, term) => sum + term.weight, 0);
    const lambda = expansion.feedbackWeight;
    const weights = new Map<number, number>();
    for (const term of original) weights.set(term.termId, (1 - lambda) * term.weight);
    for (const [termId, weight] of feedbackWeights) weights.set(termId, (weights.get(termId) ?? 0) + lambda * queryWeight * weight);
    const expanded: WeightedTerm[] = [...weights].map(([termId, weight]) => ({
      termId,
      weight,
      collectionProbability: probabilityOf(termId),
      postings: postingsOf(termId),
    }));
    return scoreDocuments(expanded, smoothing);
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

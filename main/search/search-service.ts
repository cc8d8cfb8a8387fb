// Text search over the index: tokenise the query, score passages by query likelihood (a sum of PMI),
// expand the query from the best passages and score again, and report each document's PMI with the
// query it was ranked by (the typed words mixed with their expansion), in bits:
// bits = log2 p(q'|d) / p(q'|C). The list is ordered by exactly the bits shown and keeps documents with
// positive bits that carry positive evidence for some query word (showWeaker drops the bits condition;
// minBits replaces it by a stricter cut); each result's `why` lists the typed words' own bits. A word
// typed c times weighs 4c / (3 + c) (BM25's query-term saturation, k3 = 3): once counts 1, twice 1.6,
// never more than 4, so repeating a word cannot multiply the evidence. The background model is
// p(w|C) = df(w) / Σ df: each passage counts once per distinct word, so one long document repeating a
// word cannot make it look common (measured better than cf / |C| on every test collection).
import type { Database } from 'better-sqlite3';
import type { SearchRequest, SearchResponse, SearchResult } from '../api/contract.js';
import { invalidArgument, invalidType, requireInteger } from '../api/errors.js';
import { DocumentsRepository } from '../../db/repositories/documents-repository.js';
import { TextIndexReader, type PostingList } from '../../db/repositories/text-index-repository.js';
import { DEFAULT_SEARCH_PARAMETERS, type SearchParameters } from './parameters.js';
import { feedbackTermWeights } from './query-expansion.js';
import {
  scorePassages,
  termPmi,
  type PassageScore,
  type ScoredPassages,
  type SmoothingParameters,
  type WeightedTerm,
} from './query-likelihood.js';
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

/** The query weight of a word typed `count` times: (k3 + 1) c / (k3 + c), at most k3 + 1. */
export function repeatedWordWeight(count: number, saturation = DEFAULT_SEARCH_PARAMETERS.queryTermSaturation): number {
  return ((saturation + 1) * count) / (saturation + count);
}

/** The model named in each text result's `why`. */
export const TEXT_MODEL_NAME = 'query likelihood (Dirichlet + query noise), PMI';

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

  /** The ids of the documents of these collections, or null without a collection filter. */
  private documentsOfCollections(collectionIds: unknown): Set<number> | null {
    if (collectionIds === undefined) return null;
    if (!Array.isArray(collectionIds)) throw invalidType('filters.collectionIds', 'an array of collection ids', collectionIds);
    return new Set(
      collectionIds.flatMap((id, index) => this.documents.idsOfCollection(requireInteger(`filters.collectionIds[${index}]`, id, 1))),
    );
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
      original.push({
        termId: statistics.id,
        weight: repeatedWordWeight(count, this.parameters.queryTermSaturation),
        collectionProbability,
        postings: postingsOf(statistics.id),
      });
    }
    if (original.length === 0) return finish([], unknownTerms, mu);

    const originalScores = scorePassages(original, smoothing);
    let ranking = originalScores;
    let expansionTerms = 0;
    const expansion = this.parameters.expansion;
    if (expansion && expansion.feedbackWeight > 0) {
      const expanded = this.expandAndRescore(
        original,
        originalScores.documents,
        smoothing,
        totals.postings,
        collectionProbabilities,
        postingsOf,
      );
      if (expanded) {
        ranking = expanded.scores;
        expansionTerms = expanded.terms;
      }
    }

    // bits = log2 p(q'|d) / p(q'|C) for the query q' the list is ranked by (the typed words, expanded).
    const bitsOf = (score: number) => score / LN2;

    const minimumBits = request.minBits ?? this.parameters.minimumBits;
    if (minimumBits !== undefined && minimumBits !== null && !Number.isFinite(minimumBits))
      throw invalidType('minBits', 'a finite number', minimumBits);
    const showWeaker = request.showWeaker === true;
    // Filters' collectionIds: only documents of those collections are listed. Their bits stay relative to the
    // language model of the whole index (the text index keeps one), unlike photos, whose PMI is renormalised.
    const allowedDocuments = this.documentsOfCollections(request.filters?.collectionIds);
    const ranked = [...ranking.documents.values()]
      // "No match" rule: a result must use some word of the query it is ranked by more than the collection
      // does, and (unless weaker results are asked for) be more likely than an average passage under it.
      .filter((entry) => {
        if (entry.positiveTerms === 0) return false;
        if (allowedDocuments && !allowedDocuments.has(entry.documentId)) return false;
        const bits = bitsOf(entry.score);
        if (minimumBits !== null && minimumBits !== undefined) return bits > minimumBits;
        return showWeaker || bits > 0;
      })
      .sort((a, b) => b.score - a.score || a.documentId - b.documentId)
      .slice(0, limit);
    const display = this.documents.display(ranked.map((entry) => entry.documentId));
    const queryTerms = new Set(queryCounts.keys());
    // The typed words' own bits in each listed passage: one scan of each word's postings for the whole list.
    const listedPassages = new Map(ranked.map((entry) => [entry.passageId, entry.length]));
    const typedBits = new Map<number, Array<{ term: string; bits: number }>>();
    for (const term of original) {
      const word = this.reader.termById(term.termId)?.term ?? String(term.termId);
      const { passageIds, termFrequencies } = term.postings;
      for (let index = 0; index < passageIds.length; index++) {
        const length = listedPassages.get(passageIds[index]);
        if (length === undefined) continue;
        const bits = (term.weight * termPmi(termFrequencies[index], length, term.collectionProbability, smoothing)) / LN2;
        if (bits <= 0) continue;
        const list = typedBits.get(passageIds[index]) ?? [];
        list.push({ term: word, bits: round(bits) });
        typedBits.set(passageIds[index], list);
      }
    }
    const notes = expansionTerms > 0 ? [`ranked with ${expansionTerms} expansion words learned from the best passages`] : [];
    const results: SearchResult[] = [];
    for (const entry of ranked) {
      const document = display.get(entry.documentId);
      if (!document) continue;
      const passage = this.reader.passage(entry.passageId);
      results.push({
        path: document.path,
        score: round(entry.score),
        bits: round(bitsOf(entry.score)),
        kind: 'text',
        title: document.title,
        snippet: passage ? makeSnippet(passage.text, queryTerms) : '',
        why: {
          model: TEXT_MODEL_NAME,
          matchedTerms: typedBits.get(entry.passageId) ?? [],
          notes,
        },
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
  ): { scores: ScoredPassages; terms: number } | undefined {
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
    if (feedbackWeights.size === 0) return undefined;
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
    return { scores: scorePassages(expanded, smoothing), terms: feedbackWeights.size };
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

// Data access for the text index: passages, the term statistics table and postings. Writing goes through
// one `TextIndexWriter` per transaction so a passage, its postings and the df/cf it contributes are
// committed together or not at all.
import type { Database, Statement } from 'better-sqlite3';

export interface PassageInput {
  text: string;
  /** Index term → frequency in this passage. */
  termCounts: ReadonlyMap<string, number>;
  /** Number of index terms (with repeats). */
  length: number;
}

export interface TermStatistics {
  id: number;
  term: string;
  df: number;
  cf: number;
}

/** One term's postings joined with the passages' lengths and documents, as parallel arrays. */
export interface PostingList {
  passageIds: Int32Array;
  termFrequencies: Int32Array;
  passageLengths: Int32Array;
  documentIds: Int32Array;
}

export interface CorpusTotals {
  passages: number;
  /** Sum of passage lengths. */
  tokens: number;
  /** Number of postings, Σ df over all terms: the denominator of the background model p(w|C) = df / Σ df. */
  postings: number;
}

/** Term vectors are stored as little-endian uint32 pairs (term id, frequency). */
export function encodeTermVector(pairs: ReadonlyArray<readonly [number, number]>): Buffer {
  const buffer = Buffer.alloc(pairs.length * 8);
  pairs.forEach(([termId, tf], index) => {
    buffer.writeUInt32LE(termId, index * 8);
    buffer.writeUInt32LE(tf, index * 8 + 4);
  });
  return buffer;
}

export function decodeTermVector(buffer: Buffer): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let offset = 0; offset + 8 <= buffer.length; offset += 8) pairs.push([buffer.readUInt32LE(offset), buffer.readUInt32LE(offset + 4)]);
  return pairs;
}

/** A term's df/cf change in the current transaction. */
interface TermDelta {
  df: number;
  cf: number;
}

/** Postings one multi-row INSERT writes (3 parameters each, well under SQLite's 32,766). */
const POSTINGS_PER_INSERT = 128;
/** Postings held before they are written anyway (12 bytes each, 12 MiB): a large document's are sorted in parts. */
const MAX_PENDING_POSTINGS = 1 << 20;

/**
 * Accumulates one transaction's index changes. df/cf deltas are summed in memory and written once per
 * term by `flush()`, which the caller runs before committing (it is what makes bulk indexing fast).
 */
export class TextIndexWriter {
  /** Each term this writer has met: its id and its pending df/cf change (the same object `deltas` holds). */
  private readonly terms = new Map<string, { id: number; delta: TermDelta }>();
  private readonly deltas = new Map<number, TermDelta>();
  private readonly selectTerm: Statement;
  private readonly insertTerm: Statement;
  private readonly insertPassage: Statement;
  private readonly insertPosting: Statement;
  private readonly insertPostings: Statement;
  private readonly deletePosting: Statement;
  private readonly passagesOfDocument: Statement;
  private readonly deletePassages: Statement;
  private readonly updateTerm: Statement;
  private readonly deleteUnusedTerm: Statement;
  private readonly updateTotals: Statement;
  private readonly totals = { passages: 0, tokens: 0, postings: 0 };
  /** Postings added since the last flush, (term id, passage id, tf) side by side: written by flushPostings. */
  private pending = new Int32Array(3 * 4096);
  private pendingCount = 0;

  /** `maxPendingPostings`: how many postings are held before they are written anyway (tests set it low). */
  constructor(
    private readonly db: Database,
    private readonly maxPendingPostings = MAX_PENDING_POSTINGS,
  ) {
    this.selectTerm = db.prepare('SELECT id FROM terms WHERE term = ?').pluck();
    this.insertTerm = db.prepare('INSERT INTO terms (term, df, cf) VALUES (?, 0, 0)');
    this.insertPassage = db.prepare('INSERT INTO passages (document_id, ordinal, text, length, term_vector) VALUES (?, ?, ?, ?, ?)');
    this.insertPosting = db.prepare('INSERT INTO postings (term_id, passage_id, tf) VALUES (?, ?, ?)');
    this.insertPostings = db.prepare(
      `INSERT INTO postings (term_id, passage_id, tf) VALUES ${Array.from({ length: POSTINGS_PER_INSERT }, () => '(?, ?, ?)').join(', ')}`,
    );
    this.deletePosting = db.prepare('DELETE FROM postings WHERE term_id = ? AND passage_id = ?');
    this.passagesOfDocument = db.prepare('SELECT id, length, term_vector FROM passages WHERE document_id = ?');
    this.deletePassages = db.prepare('DELETE FROM passages WHERE document_id = ?');
    this.updateTerm = db.prepare('UPDATE terms SET df = df + ?, cf = cf + ? WHERE id = ?');
    this.deleteUnusedTerm = db.prepare('DELETE FROM terms WHERE id = ? AND df <= 0');
    this.updateTotals = db.prepare(
      'UPDATE text_index_totals SET passages = passages + ?, tokens = tokens + ?, postings = postings + ? WHERE id = 1',
    );
  }

  /** Adds a document's passages in order (any iterable: a large document's can be produced one at a time). */
  addPassages(documentId: number, passages: Iterable<PassageInput>): void {
    let ordinal = 0;
    for (const passage of passages) {
      const pairs: Array<[number, number]> = [];
      for (const [term, tf] of passage.termCounts) {
        const entry = this.term(term);
        pairs.push([entry.id, tf]);
        entry.delta.df += 1;
        entry.delta.cf += tf;
      }
      const info = this.insertPassage.run(documentId, ordinal, passage.text, passage.length, encodeTermVector(pairs));
      const passageId = Number(info.lastInsertRowid);
      this.totals.passages++;
      this.totals.tokens += passage.length;
      this.totals.postings += pairs.length;
      for (const [termId, tf] of pairs) this.addPending(termId, passageId, tf);
      ordinal++;
    }
  }

  /** Removes a document's passages and postings and takes their counts out of the statistics. */
  removeDocumentText(documentId: number): void {
    this.flushPostings(); // so that the document's own postings, if it was added in this transaction, are found
    const rows = this.passagesOfDocument.all(documentId) as Array<{ id: number; length: number; term_vector: Buffer }>;
    for (const row of rows) {
      const pairs = decodeTermVector(row.term_vector);
      this.totals.passages--;
      this.totals.tokens -= row.length;
      this.totals.postings -= pairs.length;
      for (const [termId, tf] of pairs) {
        this.deletePosting.run(termId, row.id);
        const delta = this.deltaOf(termId);
        delta.df -= 1;
        delta.cf -= tf;
      }
    }
    this.deletePassages.run(documentId);
  }

  /** Writes the accumulated df/cf changes; terms no passage uses any more are deleted. */
  flush(): void {
    this.flushPostings();
    for (const [termId, delta] of this.deltas) {
      if (delta.df === 0 && delta.cf === 0) continue;
      this.updateTerm.run(delta.df, delta.cf, termId);
      if (delta.df < 0) this.deleteUnusedTerm.run(termId);
      delta.df = delta.cf = 0; // zeroed, not dropped: `terms` holds the same objects
    }
    const { passages, tokens, postings } = this.totals;
    if (passages !== 0 || tokens !== 0 || postings !== 0) this.updateTotals.run(passages, tokens, postings);
    this.totals.passages = this.totals.tokens = this.totals.postings = 0;
  }

  /** The term's id (inserted with df = cf = 0 when new) and its pending change: one lookup per posting. */
  private term(term: string): { id: number; delta: TermDelta } {
    let entry = this.terms.get(term);
    if (entry === undefined) {
      const id = (this.selectTerm.get(term) as number | undefined) ?? Number(this.insertTerm.run(term).lastInsertRowid);
      entry = { id, delta: this.deltaOf(id) };
      this.terms.set(term, entry);
    }
    return entry;
  }

  private addPending(termId: number, passageId: number, tf: number): void {
    if (this.pendingCount === this.maxPendingPostings) this.flushPostings(true);
    if (3 * (this.pendingCount + 1) > this.pending.length) {
      const grown = new Int32Array(this.pending.length * 2);
      grown.set(this.pending);
      this.pending = grown;
    }
    const at = 3 * this.pendingCount++;
    this.pending[at] = termId;
    this.pending[at + 1] = passageId;
    this.pending[at + 2] = tf;
  }

  /**
   * Inserts the pending postings in term order (a stable counting sort by term id keeps each term's
   * passages in the order they were added). The postings table is a B-tree keyed by (term, passage):
   * inserted in passage order, a large document's postings land all over it, one page read and dirtied
   * per posting; in term order each page is visited once per flush. With 128 rows a statement as well, a
   * 20 MB text file indexed in 11 s instead of 29 s (scripts/bench/ingest-memory.mjs). At most
   * MAX_PENDING_POSTINGS are held; `keepBuffer` when more are coming (flushed for that cap).
   */
  private flushPostings(keepBuffer = false): void {
    const count = this.pendingCount;
    if (count === 0) return;
    const pending = this.pending;
    let largestTerm = 0;
    for (let i = 0; i < count; i++) largestTerm = Math.max(largestTerm, pending[3 * i]!);
    const start = new Int32Array(largestTerm + 2);
    for (let i = 0; i < count; i++) start[pending[3 * i]! + 1]!++;
    for (let term = 1; term < start.length; term++) start[term]! += start[term - 1]!;
    const byTerm = new Int32Array(count);
    for (let i = 0; i < count; i++) byTerm[start[pending[3 * i]!]!++] = i;
    // POSTINGS_PER_INSERT rows a statement: one statement run costs about as much as the row it inserts.
    const values = new Array<number>(3 * POSTINGS_PER_INSERT);
    let position = 0;
    for (; position + POSTINGS_PER_INSERT <= count; position += POSTINGS_PER_INSERT) {
      for (let row = 0; row < POSTINGS_PER_INSERT; row++) {
        const at = 3 * byTerm[position + row]!;
        values[3 * row] = pending[at]!;
        values[3 * row + 1] = pending[at + 1]!;
        values[3 * row + 2] = pending[at + 2]!;
      }
      this.insertPostings.run(values);
    }
    for (; position < count; position++) {
      const at = 3 * byTerm[position]!;
      this.insertPosting.run(pending[at], pending[at + 1], pending[at + 2]);
    }
    this.pendingCount = 0;
    if (!keepBuffer && this.pending.length > 3 * 65536) this.pending = new Int32Array(3 * 4096); // not kept after a large batch
  }

  private deltaOf(termId: number): TermDelta {
    let delta = this.deltas.get(termId);
    if (delta === undefined) {
      delta = { df: 0, cf: 0 };
      this.deltas.set(termId, delta);
    }
    return delta;
  }
}

/** Read side of the text index, for scoring, snippets and query expansion. */
export class TextIndexReader {
  private readonly selectTerm: Statement;
  private readonly selectTermById: Statement;
  private readonly selectPostings: Statement;
  private readonly selectPassage: Statement;
  private readonly selectTermVector: Statement;

  constructor(private readonly db: Database) {
    this.selectTerm = db.prepare('SELECT id, term, df, cf FROM terms WHERE term = ?');
    this.selectTermById = db.prepare('SELECT id, term, df, cf FROM terms WHERE id = ?');
    this.selectPostings = db
      .prepare(
        `SELECT p.passage_id, p.tf, s.length, s.document_id
         FROM postings p JOIN passages s ON s.id = p.passage_id WHERE p.term_id = ?`,
      )
      .raw();
    this.selectPassage = db.prepare('SELECT id, document_id AS documentId, ordinal, text FROM passages WHERE id = ?');
    this.selectTermVector = db.prepare('SELECT term_vector FROM passages WHERE id = ?').pluck();
  }

  corpusTotals(): CorpusTotals {
    return this.db.prepare('SELECT passages, tokens, postings FROM text_index_totals WHERE id = 1').get() as CorpusTotals;
  }

  term(term: string): TermStatistics | undefined {
    return this.selectTerm.get(term) as TermStatistics | undefined;
  }

  termById(id: number): TermStatistics | undefined {
    return this.selectTermById.get(id) as TermStatistics | undefined;
  }

  postings(termId: number): PostingList {
    const rows = this.selectPostings.all(termId) as number[][];
    const list: PostingList = {
      passageIds: new Int32Array(rows.length),
      termFrequencies: new Int32Array(rows.length),
      passageLengths: new Int32Array(rows.length),
      documentIds: new Int32Array(rows.length),
    };
    rows.forEach((row, index) => {
      list.passageIds[index] = row[0];
      list.termFrequencies[index] = row[1];
      list.passageLengths[index] = row[2];
      list.documentIds[index] = row[3];
    });
    return list;
  }

  passage(id: number): { id: number; documentId: number; ordinal: number; text: string } | undefined {
    return this.selectPassage.get(id) as { id: number; documentId: number; ordinal: number; text: string } | undefined;
  }

  termVectorBlob(passageId: number): Buffer {
    return (this.selectTermVector.get(passageId) as Buffer | undefined) ?? Buffer.alloc(0);
  }

  termVector(passageId: number): Array<[number, number]> {
    const blob = this.selectTermVector.get(passageId) as Buffer | undefined;
    return blob ? decodeTermVector(blob) : [];
  }
}

// The workloads `milens bench` measures: milens' own operations, each on data prepared before any
// window opens (generation, indexing and model loading are never measured). Every workload names its
// data shape, so a figure always says what it was measured on.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendName, ComputeBackend, VectorIndex } from '../compute/kernels.js';
import { digammaOfInteger, meanDigammaOfCounts } from '../mi/digamma.js';
import { SeededRandom } from '../mi/random.js';
import { EMBEDDING_WORKLOADS, type EmbeddingWorkload } from './embedding-workloads.js';
import type { BenchOperation } from './protocol.js';

export type BenchSize = 'full' | 'small';

/** A prepared operation, and what frees what it holds once the benchmark is done with it. */
export interface PreparedOperation extends BenchOperation {
  dispose(): Promise<void> | void;
}

export interface Workload {
  name: string;
  description: string;
  /** 'compute': runs once per compute backend; 'javascript': milens' own TypeScript, one row. */
  runsOn: 'compute' | 'javascript';
  prepare(backend: ComputeBackend | undefined, size: BenchSize): Promise<PreparedOperation>;
}

const KSG_NEIGHBOURS = 3;

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** KSG mutual information of 10 features with one target: neighbour counts on the backend, then ψ means. */
const ksgMutualInformation: Workload = {
  name: 'ksg-mi',
  description: 'KSG mutual information (k = 3) of 10 continuous features with a continuous target',
  runsOn: 'compute',
  async prepare(backend, size) {
    if (!backend) throw new Error('ksg-mi needs a compute backend');
    const rows = size === 'full' ? 100_000 : 10_000;
    const random = new SeededRandom(20261202);
    const features = Array.from({ length: 10 }, () => Float64Array.from({ length: rows }, () => random.nextNormal()));
    // A target that depends on some features linearly and on one non-linearly, the rest independent.
    const target = Float64Array.from(
      { length: rows },
      (_, row) => features[0][row] + Math.sin(2 * features[1][row]) + 0.5 * random.nextNormal(),
    );
    const psiK = digammaOfInteger(KSG_NEIGHBOURS);
    const psiN = digammaOfInteger(rows);
    return {
      workload: this.name,
      backend: backend.name,
      dataShape: `${formatCount(rows)} rows × 10 continuous features (Gaussian, 17 significant digits, no ties), k = ${KSG_NEIGHBOURS}`,
      async run() {
        const counts = await backend.ksgCounts(target, features, KSG_NEIGHBOURS);
        for (const count of counts) {
          const meanX = count.meanDigammaX ?? meanDigammaOfCounts(count.countX, 1);
          const meanY = count.meanDigammaY ?? meanDigammaOfCounts(count.countY, 1);
          if (!Number.isFinite(psiN + psiK - meanX - meanY)) throw new Error('ksg-mi produced a non-finite estimate');
        }
      },
      dispose() {},
    };
  },
};

/** Top-10 inner products of one query over stored float16 unit vectors made resident on the backend. */
const similarityTopTen: Workload = {
  name: 'similarity-top10',
  description: 'top-10 similarity of one query over stored float16 embeddings of 512 dimensions (resident index)',
  runsOn: 'compute',
  async prepare(backend, size) {
    if (!backend) throw new Error('similarity-top10 needs a compute backend');
    const count = size === 'full' ? 1_000_000 : 20_000;
    const dimension = 512;
    const data = randomUnitVectorsFloat16(count, dimension, 7);
    const query = Float32Array.from(float16ToFloat32Row(data, 0, dimension));
    const index: VectorIndex = await backend.createVectorIndex({ dtype: 'f16', data, count, dimension });
    return {
      workload: this.name,
      backend: backend.name,
      dataShape: `${formatCount(count)} × ${dimension} float16 unit vectors (uniform random components), 1 query, top 10 (residency: ${index.residency})`,
      async run() {
        const result = await index.search(query, 1, 10);
        if (result.indices[0] !== 0) throw new Error('similarity-top10: the query did not find itself first');
      },
      dispose: () => index.dispose(),
    };
  },
};

/** Ranked text search (query likelihood with expansion) over a generated collection indexed beforehand. */
const textSearch: Workload = {
  name: 'text-search',
  description: 'ranked text search over an indexed collection of generated documents',
  runsOn: 'javascript',
  async prepare(_backend, size) {
    const documents = size === 'full' ? 5_000 : 300;
    const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-text-'));
    const corpus = path.join(folder, 'documents');
    mkdirSync(corpus);
    writeGeneratedDocuments(corpus, documents, 11);
    const { openDatabase } = await import('../../db/database.js');
    const { IndexingService } = await import('../ingest/indexing-service.js');
    const { SearchService } = await import('../search/search-service.js');
    const db = openDatabase(path.join(folder, 'bench.sqlite'));
    await new IndexingService(db).indexFolder(corpus);
    const search = new SearchService(db);
    const queries = ['river stone market', 'winter light over the harbour', 'quiet garden', 'engine noise at night'];
    let next = 0;
    return {
      workload: this.name,
      backend: 'javascript',
      dataShape: `${formatCount(documents)} generated documents of ~200 words (Zipf vocabulary of 5,000 words), 2–5 word queries`,
      async run() {
        search.search({ query: queries[next++ % queries.length], limit: 10 });
      },
      dispose() {
        db.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
};

export type AnyWorkload = Workload | EmbeddingWorkload;

export const WORKLOADS: readonly AnyWorkload[] = [ksgMutualInformation, similarityTopTen, textSearch, ...EMBEDDING_WORKLOADS];

export function findWorkload(name: string): AnyWorkload | undefined {
  return WORKLOADS.find((workload) => workload.name === name);
}

// ---------------------------------------------------------------- data generation

const floatView = new Float32Array(1);
const intView = new Uint32Array(floatView.buffer);

function float32ToFloat16(value: number): number {
  floatView[0] = value;
  const bits = intView[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign; // tiny values of unit vectors round to zero: fine for a benchmark
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | (mantissa >>> 13);
}

function float16ToFloat32Row(data: Uint16Array, row: number, dimension: number): number[] {
  const values: number[] = [];
  for (let column = 0; column < dimension; column++) {
    const bits = data[row * dimension + column];
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    values.push(exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15));
  }
  return values;
}

/**
 * Unit vectors of independent uniform components (not uniform on the sphere, which a similarity
 * benchmark does not need), with an inline xorshift: Gaussian draws for 512 million components took
 * minutes, this takes seconds.
 */
function randomUnitVectorsFloat16(count: number, dimension: number, seed: number): Uint16Array {
  let state = seed >>> 0 || 1;
  const data = new Uint16Array(count * dimension);
  const row = new Float64Array(dimension);
  for (let item = 0; item < count; item++) {
    let norm = 0;
    for (let column = 0; column < dimension; column++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const value = (state >>> 0) / 2147483648 - 1;
      row[column] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let column = 0; column < dimension; column++) data[item * dimension + column] = float32ToFloat16(row[column] * scale);
  }
  return data;
}

const SYLLABLES = ['ka', 'ri', 'mo', 'te', 'lu', 'sa', 'ne', 'vo', 'pi', 'da', 'gen', 'tor', 'mil', 'bra', 'sto'];
const PLAIN_WORDS = ['river', 'stone', 'market', 'winter', 'light', 'harbour', 'quiet', 'garden', 'engine', 'noise', 'night'];

function writeGeneratedDocuments(folder: string, documents: number, seed: number): void {
  const random = new SeededRandom(seed);
  const vocabulary: string[] = [...PLAIN_WORDS];
  while (vocabulary.length < 5000) {
    const syllables = 2 + random.nextInt(3);
    vocabulary.push(Array.from({ length: syllables }, () => SYLLABLES[random.nextInt(SYLLABLES.length)]).join(''));
  }
  // Zipf's law: word r drawn with probability ∝ 1 / (r + 1), by inverting the cumulative weights.
  const cumulative = new Float64Array(vocabulary.length);
  let sum = 0;
  for (let rank = 0; rank < vocabulary.length; rank++) cumulative[rank] = sum += 1 / (rank + 1);
  const draw = () => {
    const target = random.nextFloat() * sum;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return vocabulary[low];
  };
  for (let document = 0; document < documents; document++) {
    const words = Array.from({ length: 150 + random.nextInt(100) }, draw);
    writeFileSync(path.join(folder, `document-${document}.txt`), `${words.join(' ')}\n`);
  }
}

export type { BackendName };

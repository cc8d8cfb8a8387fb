// The resident vector index's lifecycle on every available backend (TypeScript, cpu, and cuda / metal
// where present): what it reports, dispose (idempotent, deferred while a search runs), searches after
// dispose, argument validation with the product's messages, a store detached under the index, that the
// CPU and TypeScript indexes share the caller's memory instead of copying it (process RSS), and that
// creating and dropping many indexes, disposed or garbage-collected, frees them (the addon's live-index
// count, and process RSS). The results themselves are checked in conformance.test.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends, loadAddon } from '../../main/compute/index.js';
import type { ComputeBackend, VectorIndex, VectorStore } from '../../main/compute/kernels.js';
import { CHANGED_VECTOR_STORE_MESSAGE, DISPOSED_VECTOR_INDEX_MESSAGE } from '../../main/compute/validate.js';
import { gaussian, seededRandom } from './random.js';

setFlagsFromString('--expose-gc');
/** A full garbage collection, exposed through a fresh context (the flag is set after startup). */
const collectGarbage = runInNewContext('gc') as () => void;

const available = (await listBackends()).filter((status) => status.available && status.name !== 'typescript').map((status) => status.name);
const backends: ComputeBackend[] = [getReferenceBackend(), ...(await Promise.all(available.map((name) => getBackend(name))))];
const loaded = loadAddon();
const addon = 'addon' in loaded ? loaded.addon : undefined;

// Deliberately ill-typed arguments, as a JavaScript caller could pass them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (value: unknown) => value as any;

const MB = 1 << 20;

function randomStore(seed: number, count: number, dimension: number): Extract<VectorStore, { dtype: 'f32' }> {
  const random = seededRandom(seed);
  return { dtype: 'f32', data: Float32Array.from({ length: count * dimension }, () => gaussian(random)), count, dimension };
}

/** Lets deferred native finalizers and settled workers run, a few event-loop turns after a full GC. */
async function collectAndSettle(rounds = 3): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each(backends.map((backend) => ({ name: backend.name, backend })))('$name vector index', ({ name, backend }) => {
  const store = randomStore(1, 40, 6);
  const queries = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));

  it('reports its backend, shape and where it keeps the vectors', async () => {
    const index = await backend.createVectorIndex(store);
    expect(index).toMatchObject({ backend: name, count: 40, dimension: 6, dtype: 'f32', disposed: false });
    const residency = { typescript: ['shared'], cpu: ['shared'], cuda: ['device'], metal: ['shared', 'copy'] }[name];
    expect(residency).toContain(index.residency);
    index.dispose();
  });

  it('disposes idempotently, and a search after dispose rejects with the exact message', async () => {
    const index = await backend.createVectorIndex(store);
    index.dispose();
    index.dispose();
    expect(index.disposed).toBe(true);
    const rejection = index.search(queries, 2, 3);
    await expect(rejection).rejects.toThrow(new Error(DISPOSED_VECTOR_INDEX_MESSAGE));
    await expect(rejection).rejects.toSatisfy((error) => Object.getPrototypeOf(error) === Error.prototype);
    // The disposal is checked first, before the (here also invalid) arguments.
    await expect(index.search(loose('not queries'), -1, 0)).rejects.toThrow(DISPOSED_VECTOR_INDEX_MESSAGE);
    expect(index).toMatchObject({ count: 40, dimension: 6, dtype: 'f32' });
  });

  it('lets searches already running finish when disposed, with the results they would have had', async () => {
    const big = randomStore(2, 20_000, 64);
    const bigQueries = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.cos(i));
    const expected = await backend.similarityTopK(bigQueries, 3, big, 10);
    const index = await backend.createVectorIndex(big);
    const running = [index.search(bigQueries, 3, 10), index.search(bigQueries, 3, 10)];
    index.dispose();
    for (const result of await Promise.all(running)) expect(result).toEqual(expected);
    await expect(index.search(bigQueries, 3, 10)).rejects.toThrow(DISPOSED_VECTOR_INDEX_MESSAGE);
  });

  it('answers concurrent searches of one index as it answers them one by one', async () => {
    const index = await backend.createVectorIndex(store);
    const ks = [1, 5, 17, 40, 64];
    const together = await Promise.all(ks.map((k) => index.search(queries, 2, k)));
    for (const [i, k] of ks.entries()) expect(together[i]).toEqual(await index.search(queries, 2, k));
    index.dispose();
  });

  it.each([
    [
      'a missing store',
      () => backend.createVectorIndex(loose(null)),
      TypeError,
      'Expected store to be a VectorStore object but received null',
    ],
    [
      'an unknown dtype',
      () => backend.createVectorIndex(loose({ ...store, dtype: 'bf16' })),
      RangeError,
      'Expected store.dtype to be "f32", "f16" or "int8" but received "bf16"',
    ],
    [
      'store data of the wrong length',
      () => backend.createVectorIndex({ ...store, data: new Float32Array(5) }),
      RangeError,
      'Expected store.data to be a Float32Array of count × dimension = 40 × 6 = 240 values but received Float32Array(5)',
    ],
    [
      'int8 without scales',
      () => backend.createVectorIndex(loose({ dtype: 'int8', data: new Int8Array(6), count: 2, dimension: 3 })),
      TypeError,
      'Expected store.scales to be a Float32Array but received undefined',
    ],
  ] as const)('rejects creation with %s', async (_, call, ErrorType, message) => {
    await expect(call()).rejects.toThrow(new ErrorType(message));
  });

  describe('rejects searches with bad arguments', () => {
    let index: VectorIndex;
    it.each([
      [
        'queries of the wrong type',
        () => index.search(loose([1, 2]), 1, 1),
        TypeError,
        'Expected queries to be a Float32Array but received Array(2)',
      ],
      [
        'a fractional queryCount',
        () => index.search(queries, 1.5, 1),
        RangeError,
        'Expected queryCount to be an integer of at least 0 but received 1.5',
      ],
      ['a string k', () => index.search(queries, 2, loose('3')), TypeError, 'Expected k to be an integer but received "3"'],
      ['k of 0', () => index.search(queries, 2, 0), RangeError, 'Expected k to be an integer from 1 to 4096 but received 0'],
      [
        'k above the limit',
        () => index.search(queries, 2, 4097),
        RangeError,
        'Expected k to be an integer from 1 to 4096 but received 4097',
      ],
      [
        'queries of the wrong length',
        () => index.search(queries, 3, 1),
        RangeError,
        'Expected queries to be a Float32Array of queryCount × dimension = 3 × 6 = 18 values but received Float32Array(12)',
      ],
      [
        'an infinite query',
        () => index.search(Float32Array.from([0, 0, 0, 0, -Infinity, 0]), 1, 1),
        RangeError,
        'Expected queries[4] to be a finite number but received -Infinity',
      ],
    ] as const)('%s', async (_, call, ErrorType, message) => {
      index ??= await backend.createVectorIndex(store);
      await expect(call()).rejects.toThrow(new ErrorType(message));
    });
  });

  it('refuses to read a store whose array was detached, unless it holds its own copy', async () => {
    const own = randomStore(3, 30, 4);
    const ownQueries = Float32Array.from([1, 2, 3, 4]);
    const expected = await backend.similarityTopK(ownQueries, 1, own, 5);
    const index = await backend.createVectorIndex(own);
    const moved = structuredClone(own.data.buffer, { transfer: [own.data.buffer] });
    expect(own.data.length).toBe(0); // detached; its bytes now belong to `moved`
    if (index.residency === 'shared') {
      await expect(index.search(ownQueries, 1, 5)).rejects.toThrow(new Error(CHANGED_VECTOR_STORE_MESSAGE));
    } else {
      expect(await index.search(ownQueries, 1, 5)).toEqual(expected);
    }
    expect(moved.byteLength).toBe(30 * 4 * 4);
    index.dispose();
  });
});

describe.each(
  backends.filter((backend) => backend.name === 'cpu' || backend.name === 'typescript').map((backend) => ({ name: backend.name, backend })),
)('$name index memory', ({ backend }) => {
  it('wraps the caller’s store: creating and searching it does not grow RSS by the store’s size', async () => {
    const count = 1 << 19;
    const dimension = 96; // 192 MB of f32, every page touched
    const data = new Float32Array(count * dimension);
    for (let i = 0; i < data.length; i += 1024) data[i] = (i % 7) - 3;
    const big: VectorStore = { dtype: 'f32', data, count, dimension };
    await collectAndSettle();
    const before = process.memoryUsage().rss;
    const index = await backend.createVectorIndex(big);
    const result = await index.search(new Float32Array(dimension).fill(1), 1, 3);
    const grown = process.memoryUsage().rss - before;
    expect(index.residency).toBe('shared');
    expect(result.scores[0]).toBe(3);
    // A copy would add 192 MB; allow a quarter of that for heaps, threads and result arrays.
    expect(grown).toBeLessThan(data.byteLength / 4);
    index.dispose();
  });
});

describe.skipIf(!addon)('native index lifetime (the addon called directly)', () => {
  const native = addon!;
  const nativeBackends = available;

  it.each(nativeBackends)('%s: frees every disposed index, and RSS stays bounded over 150 create/dispose cycles', async (name) => {
    // One cycle first, so a device context started on first use is not counted as growth.
    (await native.createVectorIndex(name, 'f32', new Float32Array(8), null, 2, 4)).dispose();
    await collectAndSettle();
    const live = native.liveVectorIndexes();
    const rssBefore = process.memoryUsage().rss;
    for (let cycle = 0; cycle < 150; cycle++) {
      // A fresh 4 MB store each cycle: 600 MB in all if the index kept the arrays (or device copies) alive.
      const data = new Uint16Array(2 * MB).fill(0x3c00 + (cycle % 3));
      const index = await native.createVectorIndex(name, 'f16', data, null, 4096, 512);
      expect(native.liveVectorIndexes()).toBe(live + 1);
      if (cycle % 50 === 0) expect((await index.search(new Float32Array(512).fill(1), 1, 1)).indices[0]).toBe(0);
      index.dispose();
      expect(native.liveVectorIndexes()).toBe(live);
    }
    await collectAndSettle();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * MB);
  });

  it.each(nativeBackends)('%s: frees an index that is garbage-collected without dispose', async (name) => {
    await collectAndSettle();
    const live = native.liveVectorIndexes();
    await (async () => {
      for (let i = 0; i < 5; i++) await native.createVectorIndex(name, 'f32', new Float32Array(3000), null, 1000, 3);
    })();
    expect(native.liveVectorIndexes()).toBe(live + 5);
    for (let round = 0; round < 20 && native.liveVectorIndexes() > live; round++) await collectAndSettle(1);
    expect(native.liveVectorIndexes()).toBe(live);
  });

  it('frees the index only after the searches running at dispose have settled', async () => {
    await collectAndSettle();
    const live = native.liveVectorIndexes();
    const data = new Float32Array(20_000 * 64).fill(0.5);
    const index = await native.createVectorIndex('cpu', 'f32', data, null, 20_000, 64);
    const running = index.search(new Float32Array(64).fill(1), 1, 4);
    index.dispose();
    expect(index.disposed).toBe(true);
    expect(native.liveVectorIndexes()).toBe(live + 1); // still held by the search in flight
    expect(Array.from((await running).indices)).toEqual([0, 1, 2, 3]);
    await collectAndSettle(1);
    expect(native.liveVectorIndexes()).toBe(live);
  });

  it('throws TypeError and RangeError from its C++ guard clauses, never crashing', async () => {
    expect(() => loose(native).createVectorIndex('cpu')).toThrow(new TypeError('createVectorIndex expects 6 arguments but received 1'));
    expect(() => native.createVectorIndex('cpu', 'f32', new Float32Array(5), null, 2, 3)).toThrow(
      new RangeError('Expected store.data to be of length 6 but received Float32Array(5)'),
    );
    expect(() => native.createVectorIndex('cpu', 'int8', new Int8Array(6), null, 2, 3)).toThrow(
      new TypeError('Expected store.scales to be a Float32Array but received null'),
    );
    expect(() => native.createVectorIndex('cpu', loose(7), new Float32Array(6), null, 2, 3)).toThrow(
      new TypeError('Expected store.dtype to be a string but received 7'),
    );
    expect(() => native.createVectorIndex('cpu', 'f32', new Float32Array(6), null, 2, 0)).toThrow(
      new RangeError('Expected store.dimension to be an integer from 1 to 65536 but received 0'),
    );
    expect(() => native.createVectorIndex('gpu', 'f32', new Float32Array(6), null, 2, 3)).toThrow(
      new RangeError('Expected backend to be "cpu", "cuda" or "metal" but received "gpu"'),
    );
    for (const status of native.backends().filter((entry) => !entry.available)) {
      expect(() => native.createVectorIndex(status.name, 'f32', new Float32Array(6), null, 2, 3)).toThrow(
        `The ${status.name} backend is not available: ${status.reason}`,
      );
    }

    const index = await native.createVectorIndex('cpu', 'f32', new Float32Array(6), null, 2, 3);
    expect(() => loose(index).search(new Float32Array(3))).toThrow(new TypeError('search expects 3 arguments but received 1'));
    expect(() => index.search(loose('x'), 1, 1)).toThrow(new TypeError('Expected queries to be a Float32Array but received "x"'));
    expect(() => index.search(new Float32Array(3), 1, 0)).toThrow(
      new RangeError('Expected k to be an integer from 1 to 4096 but received 0'),
    );
    expect(() => index.search(Float32Array.from([0, NaN, 0]), 1, 1)).toThrow(
      new RangeError('Expected queries[1] to be a finite number but received NaN'),
    );
    const prototype = Object.getPrototypeOf(index) as { constructor: new () => unknown; search: (...args: unknown[]) => unknown };
    expect(() => new prototype.constructor()).toThrow(new TypeError('VectorIndex objects are made by createVectorIndex(), not with new'));
    expect(() => prototype.search.call({}, new Float32Array(3), 1, 1)).toThrow(TypeError);
    index.dispose();
    expect(() => index.search(new Float32Array(3), 1, 1)).toThrow(new Error(DISPOSED_VECTOR_INDEX_MESSAGE));
  });
});

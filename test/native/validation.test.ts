// Argument validation: the exact messages of the TypeScript checks (shared by every backend), and the
// C++ guard clauses of the addon called directly, which must throw JavaScript errors, never crash.
import { describe, expect, it } from 'vitest';
import { serializeError } from '../../main/api/errors.js';
import { getBackend, getReferenceBackend, listBackends, loadAddon } from '../../main/compute/index.js';
import type { ComputeBackend, VectorStore } from '../../main/compute/kernels.js';

const store: VectorStore = { dtype: 'f32', data: new Float32Array(6), count: 2, dimension: 3 };
const queries = new Float32Array(3);
const available = (await listBackends()).filter((status) => status.available).map((status) => status.name);
const backends: ComputeBackend[] = [
  getReferenceBackend(),
  ...(await Promise.all(available.filter((name) => name !== 'typescript').map((name) => getBackend(name)))),
];

// Deliberately ill-typed arguments, as a JavaScript caller could pass them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (value: unknown) => value as any;

describe.each(backends.map((backend) => ({ name: backend.name, backend })))('$name backend rejects bad arguments', ({ backend }) => {
  it.each([
    [
      'queries of the wrong type',
      () => backend.similarityTopK(loose([1, 2, 3]), 1, store, 1),
      TypeError,
      'Expected queries to be a Float32Array but received Array(3)',
    ],
    [
      'a fractional queryCount',
      () => backend.similarityTopK(queries, 1.5, store, 1),
      RangeError,
      'Expected queryCount to be an integer of at least 0 but received 1.5',
    ],
    ['a string k', () => backend.similarityTopK(queries, 1, store, loose('3')), TypeError, 'Expected k to be an integer but received "3"'],
    ['k of 0', () => backend.similarityTopK(queries, 1, store, 0), RangeError, 'Expected k to be an integer from 1 to 4096 but received 0'],
    [
      'k above the limit',
      () => backend.similarityTopK(queries, 1, store, 5000),
      RangeError,
      'Expected k to be an integer from 1 to 4096 but received 5000',
    ],
    [
      'a missing store',
      () => backend.similarityTopK(queries, 1, loose(null), 1),
      TypeError,
      'Expected store to be a VectorStore object but received null',
    ],
    [
      'an unknown dtype',
      () => backend.similarityTopK(queries, 1, loose({ ...store, dtype: 'bf16' }), 1),
      RangeError,
      'Expected store.dtype to be "f32", "f16" or "int8" but received "bf16"',
    ],
    [
      'a dimension of 0',
      () => backend.similarityTopK(queries, 1, { ...store, dimension: 0 }, 1),
      RangeError,
      'Expected store.dimension to be an integer from 1 to 65536 but received 0',
    ],
    [
      'data of the wrong type for f16',
      () => backend.similarityTopK(queries, 1, loose({ ...store, dtype: 'f16' }), 1),
      TypeError,
      'Expected store.data to be a Uint16Array for dtype "f16" but received Float32Array(6)',
    ],
    [
      'data of the wrong length',
      () => backend.similarityTopK(queries, 1, { ...store, data: new Float32Array(5) }, 1),
      RangeError,
      'Expected store.data to be a Float32Array of count × dimension = 2 × 3 = 6 values but received Float32Array(5)',
    ],
    [
      'int8 without scales',
      () => backend.similarityTopK(queries, 1, loose({ dtype: 'int8', data: new Int8Array(6), count: 2, dimension: 3 }), 1),
      TypeError,
      'Expected store.scales to be a Float32Array but received undefined',
    ],
    [
      'a NaN int8 scale',
      () =>
        backend.similarityTopK(
          queries,
          1,
          { dtype: 'int8', data: new Int8Array(6), scales: Float32Array.from([1, NaN]), count: 2, dimension: 3 },
          1,
        ),
      RangeError,
      'Expected store.scales[1] to be a finite number but received NaN',
    ],
    [
      'queries of the wrong length',
      () => backend.similarityTopK(new Float32Array(4), 1, store, 1),
      RangeError,
      'Expected queries to be a Float32Array of queryCount × dimension = 1 × 3 = 3 values but received Float32Array(4)',
    ],
    [
      'an infinite query',
      () => backend.similarityTopK(Float32Array.from([0, 0, Infinity]), 1, store, 1),
      RangeError,
      'Expected queries[2] to be a finite number but received Infinity',
    ],
    [
      'an unknown axis',
      () => backend.logSumExp(new Float32Array(4), 2, 2, loose('diagonal')),
      RangeError,
      'Expected axis to be "rows" or "columns" but received "diagonal"',
    ],
    [
      'a matrix of the wrong length',
      () => backend.logSumExp(new Float32Array(3), 2, 2, 'rows'),
      RangeError,
      'Expected matrix to be a Float32Array of rows × columns = 2 × 2 = 4 values but received Float32Array(3)',
    ],
    [
      'a NaN matrix entry',
      () => backend.logSumExp(Float32Array.from([0, NaN]), 1, 2, 'rows'),
      RangeError,
      'Expected matrix[1] to be a number but received NaN',
    ],
    [
      'a Float32Array target',
      () => backend.ksgCounts(loose(new Float32Array(3)), [], 1),
      TypeError,
      'Expected target to be a Float64Array but received Float32Array(3)',
    ],
    [
      'features that are not an array',
      () => backend.ksgCounts(new Float64Array(3), loose(new Float64Array(3)), 1),
      TypeError,
      'Expected features to be an array of Float64Array but received Float64Array(3)',
    ],
    [
      'a feature of another length',
      () => backend.ksgCounts(new Float64Array(3), [new Float64Array(2)], 1),
      RangeError,
      "Expected features[0] to be a Float64Array of 3 values (the target's length) but received Float64Array(2)",
    ],
    [
      'a NaN target',
      () => backend.ksgCounts(Float64Array.from([0, NaN, 1]), [new Float64Array(3)], 1),
      RangeError,
      'Expected target[1] to be a finite number but received NaN',
    ],
    [
      'k of n for KSG',
      () => backend.ksgCounts(new Float64Array(5), [new Float64Array(5)], 5),
      RangeError,
      'Expected k to be an integer from 1 to 4 (one less than the number of points) but received 5',
    ],
    [
      'negative labels',
      () => backend.rossCounts(Int32Array.from([0, -1]), [new Float64Array(2)], 1),
      RangeError,
      'Expected labels[1] to be an integer code of at least 0 but received -1',
    ],
    [
      'labels of the wrong type',
      () => backend.rossCounts(loose([0, 1]), [], 1),
      TypeError,
      'Expected labels to be an Int32Array but received Array(2)',
    ],
    [
      'a Ross k of 0',
      () => backend.rossCounts(new Int32Array(2), [new Float64Array(2)], 0),
      RangeError,
      'Expected k to be an integer of at least 1 but received 0',
    ],
    [
      'b of another length',
      () => backend.jointHistogram(new Int32Array(2), new Int32Array(3), 1, 1),
      RangeError,
      'Expected b to be an Int32Array of 2 values (the length of a) but received Int32Array(3)',
    ],
    [
      'too many histogram cells',
      () => backend.jointHistogram(new Int32Array(0), new Int32Array(0), 10_000, 10_000),
      RangeError,
      'Expected bLevels to be an integer with aLevels × bLevels at most 67108864 (aLevels is 10000) but received 10000',
    ],
    [
      'a code beyond bLevels',
      () => backend.jointHistogram(Int32Array.from([0]), Int32Array.from([4]), 1, 4),
      RangeError,
      'Expected b[0] to be a code from 0 to 3 but received 4',
    ],
    [
      'an infinite KSG feature value (checked in C++ by the native backends)',
      () => backend.ksgCounts(new Float64Array(3), [Float64Array.from([0, 1, -Infinity])], 1),
      RangeError,
      'Expected features[0][2] to be a finite number but received -Infinity',
    ],
    [
      'a NaN correlation feature value (checked in C++ by the native backends)',
      () => backend.correlations(new Float64Array(3), [new Float64Array(3), Float64Array.from([NaN, 1, 2])]),
      RangeError,
      'Expected features[1][0] to be a finite number but received NaN',
    ],
  ] as const)('%s', async (_, call, ErrorType, message) => {
    // Validation happens before any work and rejects the returned promise, with an argument error (a
    // usage problem, exit 2 in the CLI), whether TypeScript or the addon's C++ found it.
    const error: unknown = await call().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(ErrorType);
    if (message !== undefined) expect((error as Error).message).toBe(message);
    expect(serializeError(error).code).toBe('INVALID_ARGUMENT');
  });
});

const loaded = loadAddon();
const addon = 'addon' in loaded ? loaded.addon : undefined;

describe.skipIf(!addon)('C++ guard clauses (the addon called directly, skipping the TypeScript checks)', () => {
  const native = addon!;
  it('throws TypeError for arguments of the wrong type', () => {
    expect(() => native.similarityTopK('cpu', loose([1]), 1, 'f32', new Float32Array(3), null, 1, 3, 1)).toThrow(
      new TypeError('Expected queries to be a Float32Array but received Array(1)'),
    );
    expect(() => native.ksgCounts('cpu', new Float64Array(3), loose('x'), 1)).toThrow(
      new TypeError('Expected features to be an array of Float64Array but received "x"'),
    );
    expect(() => native.jointHistogram('cpu', new Int32Array(1), loose(new Float64Array(1)), 1, 1)).toThrow(TypeError);
    expect(() => loose(native).logSumExp('cpu', new Float32Array(1))).toThrow(
      new TypeError('logSumExp expects 5 arguments but received 2'),
    );
  });

  it('throws RangeError for lengths, integers and values out of range', () => {
    expect(() => native.similarityTopK('cpu', new Float32Array(3), 1, 'f32', new Float32Array(5), null, 2, 3, 1)).toThrow(
      new RangeError('Expected store.data to be of length 6 but received Float32Array(5)'),
    );
    expect(() => native.similarityTopK('cpu', new Float32Array(3), 1, 'f32', new Float32Array(6), null, 2, 3, 0)).toThrow(
      new RangeError('Expected k to be an integer from 1 to 4096 but received 0'),
    );
    expect(() => native.similarityTopK('cpu', Float32Array.from([0, NaN, 0]), 1, 'f32', new Float32Array(6), null, 2, 3, 1)).toThrow(
      new RangeError('Expected queries[1] to be a finite number but received NaN'),
    );
    expect(() => native.ksgCounts('cpu', new Float64Array(3), [Float64Array.from([0, 0, NaN])], 1)).toThrow(
      new RangeError('Expected features[0][2] to be a finite number but received NaN'),
    );
    expect(() => native.ksgCounts('cpu', new Float64Array(3), [new Float64Array(3)], 3)).toThrow(RangeError);
    expect(() => native.similarityTopK('gpu', new Float32Array(3), 1, 'f32', new Float32Array(6), null, 2, 3, 1)).toThrow(
      new RangeError('Expected backend to be "cpu", "cuda" or "metal" but received "gpu"'),
    );
  });

  it('rejects (never crashes) when a kernel meets bad data in its worker', async () => {
    await expect(native.logSumExp('cpu', Float32Array.from([1, NaN]), 1, 2, true)).rejects.toThrow(
      new RangeError('Expected matrix[1] to be a number but received NaN'),
    );
    await expect(native.jointHistogram('cpu', Int32Array.from([2]), Int32Array.from([0]), 2, 1)).rejects.toThrow(
      new RangeError('Expected a[0] to be a code from 0 to 1 but received 2'),
    );
  });

  it('says why an unavailable backend cannot run', () => {
    const statuses = native.backends();
    for (const status of statuses.filter((entry) => !entry.available)) {
      expect(() => native.logSumExp(status.name, new Float32Array(1), 1, 1, true)).toThrow(
        `The ${status.name} backend is not available: ${status.reason}`,
      );
    }
    expect(statuses.map((status) => status.name)).toEqual(['cpu', 'cuda', 'metal']);
  });
});

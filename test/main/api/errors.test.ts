import { describe, expect, it } from 'vitest';
import { describeValue, invalidType, MilensError, notFound, outOfRange, requireInteger, serializeError } from '../../../main/api/errors.js';

describe('error factory', () => {
  it('names the argument and the value received', () => {
    expect(invalidType('queries', 'a Float32Array', [1, 2, 3]).message).toBe('Expected queries to be a Float32Array but received Array(3)');
    expect(outOfRange('k', 'an integer from 1 to 10', 0).message).toBe('Expected k to be an integer from 1 to 10 but received 0');
    expect(invalidType('data', 'a Float32Array', new Uint16Array(4)).message).toBe(
      'Expected data to be a Float32Array but received Uint16Array(4)',
    );
  });

  it('checks integers with the right error class', () => {
    expect(requireInteger('k', 3, 1, 10)).toBe(3);
    expect(() => requireInteger('k', '3', 1)).toThrow(TypeError);
    expect(() => requireInteger('k', Number.NaN, 1)).toThrow(TypeError);
    expect(() => requireInteger('k', 2.5, 1)).toThrow(RangeError);
    expect(() => requireInteger('k', 0, 1)).toThrow('Expected k to be an integer of at least 1 but received 0');
  });

  it('keeps long strings short in messages', () => {
    expect(describeValue('x'.repeat(500)).length).toBeLessThan(70);
    expect(describeValue(null)).toBe('null');
    expect(describeValue(new Map())).toBe('a Map');
  });

  it('serialises errors with a code every shell understands', () => {
    expect(serializeError(notFound('Column "y" not found in t.csv'))).toEqual({
      name: 'MilensError',
      code: 'NOT_FOUND',
      message: 'Column "y" not found in t.csv',
    });
    expect(serializeError(outOfRange('k', 'positive', -1)).code).toBe('INVALID_ARGUMENT');
    expect(serializeError(invalidType('table', 'a string', 3))).toMatchObject({ name: 'TypeError', code: 'INVALID_ARGUMENT' });
    // A TypeError that milens did not raise on purpose is a bug, not the caller's mistake.
    expect(serializeError(new RangeError('bad')).code).toBe('INTERNAL');
    let bug: unknown;
    try {
      (undefined as unknown as { chosen: number }).chosen = 1;
    } catch (error) {
      bug = error;
    }
    expect(bug).toBeInstanceOf(TypeError);
    expect(serializeError(bug).code).toBe('INTERNAL');
    expect(serializeError(new Error('boom')).code).toBe('INTERNAL');
    expect(serializeError('text').message).toBe('text');
    expect(new MilensError('CONFLICT', 'x').code).toBe('CONFLICT');
  });
});

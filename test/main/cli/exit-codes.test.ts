import { describe, expect, it } from 'vitest';
import { invalidArgument, invalidType, notFound, outOfRange } from '../../../main/api/errors.js';
import { exitCodeFor } from '../../../main/cli/shell.js';

describe('exitCodeFor', () => {
  it('exits 2 for argument problems and 1 for everything else, bugs included', () => {
    expect(exitCodeFor(invalidArgument('bad --k'))).toBe(2);
    expect(exitCodeFor(invalidType('table', 'a string', 1))).toBe(2);
    expect(exitCodeFor(outOfRange('k', 'positive', 0))).toBe(2);
    expect(exitCodeFor(notFound('no column y'))).toBe(1);
    expect(exitCodeFor(new TypeError("Cannot set properties of undefined (setting 'chosen')"))).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});

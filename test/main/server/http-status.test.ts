import { describe, expect, it } from 'vitest';
import type { MilensErrorCode } from '../../../main/api/errors.js';
import { httpStatusFor } from '../../../main/server/api-dispatch.js';

describe('httpStatusFor', () => {
  it("answers the caller's mistakes with 4xx and keeps 5xx for milens's own failures", () => {
    const callerMistakes: MilensErrorCode[] = [
      'INVALID_ARGUMENT',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'UNSUPPORTED',
      'UNREADABLE',
    ];
    for (const code of callerMistakes) expect(Math.floor(httpStatusFor(code) / 100), code).toBe(4);
    expect(httpStatusFor('INTERNAL')).toBe(500);
    expect(httpStatusFor('UNAVAILABLE')).toBe(503);
  });

  it('keeps the statuses that browsers and clients treat specially', () => {
    expect(httpStatusFor('INVALID_ARGUMENT')).toBe(400);
    expect(httpStatusFor('UNAUTHORIZED')).toBe(401);
    expect(httpStatusFor('FORBIDDEN')).toBe(403);
    expect(httpStatusFor('NOT_FOUND')).toBe(404);
  });
});

import { describe, expect, it } from 'vitest';
import type { MilensErrorCode } from '../../../main/api/errors.js';
import { httpStatusFor } from '../../../main/server/api-dispatch.js';

describe('httpStatusFor', () => {
  it('gives the caller a 4xx for their mistakes and keeps 500 for bugs', () => {
    const expected: Record<MilensErrorCode, number> = {
      INVALID_ARGUMENT: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      UNSUPPORTED: 415,
      UNREADABLE: 422,
      CANCELLED: 499,
      INTERNAL: 500,
      UNAVAILABLE: 503,
    };
    for (const [code, status] of Object.entries(expected)) expect(httpStatusFor(code as MilensErrorCode), code).toBe(status);
  });
});

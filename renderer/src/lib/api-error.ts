// The error that every failed API call rejects with in the renderer: the serialised error of the core
// (its code and message) plus the method that failed, so a page can say what went wrong and where.
import type { SerializedError } from '../../../main/api/errors.js';

export class ApiCallError extends Error {
  readonly code: string;
  readonly method: string;

  constructor(method: string, error: Pick<SerializedError, 'message'> & { code: string }) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.method = method;
  }

  /** The core answers "pending" for calls whose implementation has not landed yet. */
  get isPending(): boolean {
    return this.code === 'UNAVAILABLE' && /\bpending\b/i.test(this.message);
  }
}

/** Any thrown value as an ApiCallError, so components handle one type. */
export function asApiCallError(method: string, error: unknown): ApiCallError {
  if (error instanceof ApiCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiCallError(method, { code: 'INTERNAL', message });
}

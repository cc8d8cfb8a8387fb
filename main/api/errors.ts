// One error factory for the whole product. Every boundary (CLI flags, HTTP and IPC calls, kernel
// arguments, table columns, files) throws through these, so messages always name what was wrong and
// the value received, and every shell can map an error to an exit code or an HTTP status.
// Pure TypeScript with no Node or DOM imports: the renderer reads `code` from serialised errors.

export type MilensErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'UNSUPPORTED'
  | 'UNAVAILABLE'
  | 'CONFLICT'
  | 'CANCELLED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INTERNAL';

/** An expected failure with a message meant for the person using milens. */
export class MilensError extends Error {
  readonly code: MilensErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: MilensErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'MilensError';
    this.code = code;
    this.details = details;
  }
}

/** Renders a received value for an error message: short, unambiguous, never a 10 MB dump. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'function') return 'a function';
  return `a ${value.constructor?.name ?? 'object'}`;
}

/**
 * The TypeErrors and RangeErrors this factory made: a caller passed a bad argument. They stay plain
 * TypeError / RangeError objects; the set only lets shells tell them from the TypeErrors of a bug in
 * milens itself ("Cannot read properties of undefined"), which must be reported as internal errors.
 */
const argumentErrors = new WeakSet<Error>();

function asArgumentError<E extends Error>(error: E): E {
  argumentErrors.add(error);
  return error;
}

/**
 * Marks a TypeError / RangeError that the native addon threw from its own argument checks (the same
 * messages as this factory's) as an argument error. Only for errors thrown synchronously by a binding's
 * checks, before any kernel ran.
 */
export function fromNativeArgumentCheck(error: unknown): unknown {
  return error instanceof TypeError || error instanceof RangeError ? asArgumentError(error) : error;
}

/** A wrong type: `TypeError: Expected queries to be a Float32Array but received Array(3)`. */
export function invalidType(argument: string, expected: string, received: unknown): TypeError {
  return asArgumentError(new TypeError(`Expected ${argument} to be ${expected} but received ${describeValue(received)}`));
}

/** A value out of range: `RangeError: Expected k to be an integer from 1 to 1000 but received 0`. */
export function outOfRange(argument: string, expected: string, received: unknown): RangeError {
  return asArgumentError(new RangeError(`Expected ${argument} to be ${expected} but received ${describeValue(received)}`));
}

export function invalidArgument(message: string, details?: Record<string, unknown>): MilensError {
  return new MilensError('INVALID_ARGUMENT', message, details);
}

export function notFound(message: string, details?: Record<string, unknown>): MilensError {
  return new MilensError('NOT_FOUND', message, details);
}

export function unreadable(path: string, reason: string): MilensError {
  return new MilensError('UNREADABLE', `Cannot read ${path}: ${reason}`, { path });
}

export function unavailable(message: string, details?: Record<string, unknown>): MilensError {
  return new MilensError('UNAVAILABLE', message, details);
}

/** Checks an integer argument, throwing the matching TypeError or RangeError. */
export function requireInteger(argument: string, value: unknown, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidType(argument, 'an integer', value);
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `an integer of at least ${minimum}` : `an integer from ${minimum} to ${maximum}`;
    throw outOfRange(argument, range, value);
  }
  return value;
}

/** The serialisable form of any thrown value, for JSON output, HTTP bodies and IPC replies. */
export interface SerializedError {
  name: string;
  code: MilensErrorCode;
  message: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof MilensError) return { name: error.name, code: error.code, message: error.message };
  if (error instanceof Error && argumentErrors.has(error)) {
    return { name: error.name, code: 'INVALID_ARGUMENT', message: error.message };
  }
  if (error instanceof Error) return { name: error.name, code: 'INTERNAL', message: error.message };
  return { name: 'Error', code: 'INTERNAL', message: String(error) };
}

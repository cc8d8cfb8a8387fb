// Calls one API method by name with arguments received from outside the process (an HTTP body or an
// IPC message) and always answers with an ApiReply: the one adapter that every remote shell shares.
// The tables below are Records keyed by ApiMethod, so a method added to the contract without an entry
// here is a compile error.
import { API_METHODS, type ApiMethod, type ApiReply, type MilensApi } from '../api/contract.js';
import { invalidArgument, notFound, serializeError, type MilensErrorCode } from '../api/errors.js';

/** How many arguments each call takes at most; extra arguments are refused, never silently ignored. */
const MAXIMUM_ARGUMENTS: Record<ApiMethod, number> = {
  listBackends: 0,
  doctor: 0,
  cancelJob: 1,
  estimateMi: 1,
  selectFeatures: 1,
  listCollections: 0,
  addCollection: 1,
  removeCollection: 1,
  indexCollection: 2,
  search: 1,
  listModels: 0,
  downloadModel: 2,
  describeTable: 1,
  importModel: 2,
  runBenchmark: 1,
};

const KNOWN_METHODS: ReadonlySet<string> = new Set(API_METHODS);

export function isApiMethod(name: string): name is ApiMethod {
  return KNOWN_METHODS.has(name);
}

type AnyReply = ApiReply<ApiMethod>;

/** Runs `api[method](...args)`; unknown methods and malformed arguments become error replies too. */
export async function dispatchApiCall(api: MilensApi, method: string, args: unknown): Promise<AnyReply> {
  try {
    if (!isApiMethod(method)) throw notFound(`Unknown API method ${JSON.stringify(method)}; known methods: ${API_METHODS.join(', ')}`);
    if (!Array.isArray(args)) throw invalidArgument(`Expected args of ${method} to be an array but received ${typeof args}`);
    if (args.length > MAXIMUM_ARGUMENTS[method]) {
      throw invalidArgument(`${method} takes at most ${MAXIMUM_ARGUMENTS[method]} argument(s) but received ${args.length}`);
    }
    const call = api[method] as (...callArgs: unknown[]) => Promise<unknown>;
    const value = await call.apply(api, args);
    return { ok: true, value } as AnyReply;
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/** The HTTP status that matches each error code; a Record so that a new code cannot be forgotten. */
const HTTP_STATUS: Record<MilensErrorCode, number> = {
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

export function httpStatusFor(code: MilensErrorCode): number {
  return HTTP_STATUS[code];
}

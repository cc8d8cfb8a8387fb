// The messages between a CoreHost (the caller's thread: Electron's main process, a test) and the core
// worker (core-worker.ts) that owns the database connection. Calls carry an id and come back as a reply
// with the same id; errors travel as their code, name, message and details, so the error factory's codes
// (INVALID_ARGUMENT, CANCELLED…) survive the trip. Core events are pushed without an id.
import type { ApiMethod, EventName } from '../api/contract.js';
import { MilensError, serializeError, type MilensErrorCode } from '../api/errors.js';
import type { CoreOptions } from '../core/context.js';

/** What the worker is started with (workerData). */
export interface CoreWorkerData {
  core: CoreOptions;
  /**
   * The previous worker of this host died inside this process: the indexing leases it held carry this
   * process's id and would look alive, so the new worker drops them before anything else.
   */
  afterCrash: boolean;
}

/** Calls outside the typed API that only the desktop shell makes: resolved in the worker, by item id. */
export type HostRequest =
  | { type: 'call'; id: number; method: ApiMethod; args: unknown[] }
  | { type: 'itemFile'; id: number; itemId: number }
  | { type: 'thumbnail'; id: number; pathname: string }
  | { type: 'watch'; id: number; watching: boolean; graceMs?: number }
  | { type: 'close'; id: number; graceMs: number };

export interface WireError {
  code: MilensErrorCode;
  name: string;
  message: string;
  details?: Record<string, unknown>;
}

export type HostMessage =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError }
  | { type: 'event'; name: EventName; payload: unknown }
  /** The folder watcher's background run of a collection failed (no call waits for it). */
  | { type: 'watchError'; collectionId: number | undefined; message: string };

export function toWireError(error: unknown): WireError {
  const serialized = serializeError(error);
  const wire: WireError = { code: serialized.code, name: serialized.name, message: serialized.message };
  // Details are plain data by convention (paths, ids); kept only when they survive a structured clone.
  if (error instanceof MilensError && error.details !== undefined) {
    try {
      wire.details = structuredClone(error.details);
    } catch {
      // dropped: the code and message still say what went wrong
    }
  }
  return wire;
}

/** The caller's side: a MilensError with the worker's code, name and message. */
export function fromWireError(wire: WireError): MilensError {
  const error = new MilensError(wire.code, wire.message, wire.details);
  // serializeError reads the name: a TypeError of an argument check stays named TypeError across shells.
  error.name = wire.name;
  return error;
}

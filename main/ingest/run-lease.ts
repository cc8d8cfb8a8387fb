// One indexing run per collection across processes. Within a process the IndexingService already
// serialises runs; across processes (two `milens index` of one folder, the app and the CLI) the run
// takes the collection's lease row (index_leases, migration 004) before it scans. A second process
// waits for the lease (its run then finds the work done and only checks what changed) and, after the
// wait limit, fails saying which process is indexing. A lease whose process died is taken over.
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { IndexLeasesRepository, type LeaseHolder } from '../../db/repositories/index-leases-repository.js';
import { MilensError } from '../api/errors.js';
import { throwIfAborted } from './cancellation.js';

export interface LeaseOptions {
  /** How long to wait for another process's run before failing, milliseconds (default 10 minutes). */
  waitMs?: number;
  /** Between two looks at a held lease, milliseconds (default 250). */
  pollMs?: number;
  /** A lease without a heartbeat for this long is stale, milliseconds (default 60 s). */
  staleAfterMs?: number;
  /** Between two heartbeats, milliseconds (default 2 s). */
  heartbeatMs?: number;
  /** Called once when the run starts waiting, with the holder. */
  onWait?: (holder: LeaseHolder) => void;
  /** Stops the wait: the run was cancelled (its error is thrown). */
  signal?: AbortSignal;
}

export interface HeldLease {
  release(): void;
}

export const DEFAULT_LEASE_WAIT_MS = 10 * 60 * 1000;

function describeHolder(holder: LeaseHolder): string {
  return `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}`;
}

/** Takes the collection's lease, waiting while another live run holds it. */
export async function acquireRunLease(
  db: Database,
  collectionId: number,
  collectionPath: string,
  options: LeaseOptions = {},
): Promise<HeldLease> {
  const leases = new IndexLeasesRepository(db);
  const owner = randomUUID();
  const waitMs = options.waitMs ?? DEFAULT_LEASE_WAIT_MS;
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const deadline = Date.now() + waitMs;
  let waiting = false;
  for (;;) {
    throwIfAborted(options.signal, `Indexing of ${collectionPath}`);
    let attempt;
    try {
      attempt = leases.tryAcquire(collectionId, owner, Date.now(), staleAfterMs);
    } catch (error) {
      // The other run holds the write lock for a whole batch (longer than busy_timeout on a loaded
      // machine): that is the wait we are here for, not a failure.
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
      continue;
    }
    if (attempt.acquired) break;
    if (!waiting) {
      waiting = true;
      options.onWait?.(attempt.holder);
    }
    if (Date.now() >= deadline) {
      throw new MilensError(
        'CONFLICT',
        `Another milens run is indexing ${collectionPath} (${describeHolder(attempt.holder)}); waited ${Math.round(waitMs / 1000)} s. Try again when it has finished.`,
        { path: collectionPath, pid: attempt.holder.pid },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 250, Math.max(1, deadline - Date.now()))));
  }
  const heartbeat = setInterval(() => {
    try {
      leases.heartbeat(collectionId, owner, Date.now());
    } catch {
      // A busy or closed database: the next beat tries again; a lease left without beats goes stale.
    }
  }, options.heartbeatMs ?? 2000);
  heartbeat.unref();
  return {
    release() {
      clearInterval(heartbeat);
      try {
        leases.release(collectionId, owner);
      } catch {
        // The database was closed under the run: the lease is stale once this process is gone.
      }
    },
  };
}

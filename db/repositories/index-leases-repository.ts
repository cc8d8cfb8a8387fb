// Data access for `index_leases`: the cross-process claim on a collection's indexing (migration 004).
// Taking a lease is one IMMEDIATE transaction (read the holder, judge it, write ours), so two processes
// can never both believe they hold it.
import os from 'node:os';
import type { Database } from 'better-sqlite3';

export interface LeaseHolder {
  owner: string;
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAtMs: number;
}

export type LeaseAttempt = { acquired: true } | { acquired: false; holder: LeaseHolder };

/** Whether a process of this host is still running (a pid we may not signal is alive too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class IndexLeasesRepository {
  constructor(private readonly db: Database) {}

  /**
   * Takes the collection's lease for `owner` unless a live run holds it. A holder is stale when its
   * heartbeat is older than `staleAfterMs` or, on this host, its process has ended.
   */
  tryAcquire(collectionId: number, owner: string, nowMs: number, staleAfterMs: number): LeaseAttempt {
    return this.db
      .transaction((): LeaseAttempt => {
        const holder = this.holder(collectionId);
        if (holder && holder.owner !== owner) {
          const silent = nowMs - holder.heartbeatAtMs > staleAfterMs;
          const gone = holder.host === os.hostname() && !processAlive(holder.pid);
          if (!silent && !gone) return { acquired: false, holder };
        }
        this.db
          .prepare(
            `INSERT OR REPLACE INTO index_leases (collection_id, owner, pid, host, started_at, heartbeat_at_ms)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(collectionId, owner, process.pid, os.hostname(), new Date(nowMs).toISOString(), nowMs);
        return { acquired: true };
      })
      .immediate();
  }

  holder(collectionId: number): LeaseHolder | undefined {
    return this.db
      .prepare(
        'SELECT owner, pid, host, started_at AS startedAt, heartbeat_at_ms AS heartbeatAtMs FROM index_leases WHERE collection_id = ?',
      )
      .get(collectionId) as LeaseHolder | undefined;
  }

  /** Refreshes the heartbeat; false when the lease is no longer ours (taken over as stale). */
  heartbeat(collectionId: number, owner: string, nowMs: number): boolean {
    return (
      this.db.prepare('UPDATE index_leases SET heartbeat_at_ms = ? WHERE collection_id = ? AND owner = ?').run(nowMs, collectionId, owner)
        .changes > 0
    );
  }

  /**
   * Drops every lease this process holds on this host: for a core worker started after the previous
   * one died inside the same process (main/host), whose leases would otherwise look alive (same pid)
   * until their heartbeat goes stale. Returns how many were dropped.
   */
  releaseAllOfThisProcess(): number {
    return this.db.prepare('DELETE FROM index_leases WHERE pid = ? AND host = ?').run(process.pid, os.hostname()).changes;
  }

  release(collectionId: number, owner: string): void {
    this.db.prepare('DELETE FROM index_leases WHERE collection_id = ? AND owner = ?').run(collectionId, owner);
  }
}

import type { Migration } from './index.js';

/**
 * Who is indexing a collection right now, across processes: one row per collection while a run holds
 * it, with the run's random owner token, its pid and host, and a heartbeat the run refreshes every few
 * seconds. A second process (another `milens index`, the app and the CLI) waits for the row to go
 * instead of redoing the same work; a row whose process is gone (dead pid on this host, or no heartbeat
 * for a minute) is stale and taken over. The row is deleted when the run ends.
 */
export const indexLeasesSchema: Migration = {
  version: 4,
  name: 'index-leases',
  up(db) {
    db.exec(`
      CREATE TABLE index_leases (
        collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
        owner TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at_ms INTEGER NOT NULL
      ) STRICT;
    `);
  },
};

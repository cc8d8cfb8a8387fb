import type { Migration } from './index.js';

/** Application settings as key/value pairs (JSON values). */
export const initialSchema: Migration = {
  version: 1,
  name: 'settings',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};

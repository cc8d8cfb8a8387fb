// Numbered schema migrations, applied in order inside one transaction each. Append new ones; never edit
// one that has shipped. `schema_version` records what a database file has seen.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

import { initialSchema } from './001-initial.js';
import { collectionsSchema } from './002-collections.js';
import { photosSchema } from './003-photos.js';

export const MIGRATIONS: readonly Migration[] = [initialSchema, collectionsSchema, photosSchema];

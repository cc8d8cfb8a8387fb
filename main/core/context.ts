// What every core service receives: where the database and models live, a lazily opened database
// connection, and the event channel that shells forward (index progress and the like).
import { EventEmitter } from 'node:events';
import { openDatabase, type Database } from '../../db/database.js';
import type { MilensEvents } from '../api/contract.js';
import { defaultDatabasePath, defaultModelsFolder } from '../system/paths.js';
import { JobRegistry } from './jobs.js';

export interface CoreOptions {
  databasePath?: string;
  modelsFolder?: string;
}

export class CoreContext {
  readonly databasePath: string;
  readonly modelsFolder: string;
  private readonly emitter = new EventEmitter();
  private connection: Database | undefined;
  /** What areas opened beside the database and release when the core closes (e.g. photo search's model sessions). */
  private readonly closeHooks = new Set<() => Promise<void> | void>();
  /** Long calls in flight (progress events, cancel by id). */
  readonly jobs = new JobRegistry((event) => this.emit('jobProgress', event));

  constructor(options: CoreOptions = {}) {
    this.databasePath = options.databasePath ?? defaultDatabasePath();
    this.modelsFolder = options.modelsFolder ?? defaultModelsFolder();
  }

  /** Opens (creating and migrating if needed) the database on first use. */
  database(): Database {
    this.connection ??= openDatabase(this.databasePath);
    return this.connection;
  }

  get databaseOpened(): boolean {
    return this.connection !== undefined;
  }

  emit<E extends keyof MilensEvents>(event: E, payload: MilensEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends keyof MilensEvents>(event: E, listener: (payload: MilensEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  /** Registers something to release when the core closes (registering the same function twice runs it once). */
  onClose(hook: () => Promise<void> | void): void {
    this.closeHooks.add(hook);
  }

  /**
   * Closes the database at once, then releases what the areas registered with `onClose` (model sessions);
   * resolves when all are released. A hook that fails does not keep the others from running.
   */
  async close(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
    const hooks = [...this.closeHooks];
    this.closeHooks.clear();
    await Promise.allSettled(hooks.map(async (hook) => hook()));
  }
}

// Every `milens` subcommand, in the order `milens --help` lists them.
import type { Command } from 'commander';
import { registerBackends } from './backends.js';
import { registerDoctor } from './doctor.js';
import { registerIndexFolder } from './index-folder.js';
import { registerSearch } from './search.js';
import { registerCollections } from './collections.js';
import { registerServe } from './serve.js';
import { registerMi } from './mi.js';
import { registerSelect } from './select.js';
import { registerModels } from './models.js';
import { registerRank } from './rank.js';
import { registerBench } from './bench.js';

export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerBackends,
  registerDoctor,
  registerIndexFolder,
  registerSearch,
  registerRank,
  registerCollections,
  registerServe,
  registerMi,
  registerSelect,
  registerModels,
  registerBench,
];

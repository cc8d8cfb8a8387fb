// `milens doctor`: a truthful account of this machine and installation, for bug reports and support.
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import type { DoctorReport } from '../api/contract.js';
import { installedModelIds } from '../../models/installed.js';
import { activeManifest } from '../../models/manifest.js';
import { schemaVersion } from '../../db/database.js';
import type { CoreContext } from '../core/context.js';
import { describeBackends } from './backends.js';
import { probeEnergyCounters } from './energy-counters.js';
import { probeOnnxRuntime } from './onnx-runtime.js';
import { packageVersion } from './package-info.js';

function describeDatabase(context: CoreContext): { database: DoctorReport['database']; sqliteVersion: string } {
  const db = context.database();
  const sqliteVersion = (db.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const sizeBytes = existsSync(context.databasePath) ? statSync(context.databasePath).size : 0;
  return { database: { path: context.databasePath, schemaVersion: schemaVersion(db), sizeBytes, journalMode }, sqliteVersion };
}

function describeModels(folder: string): DoctorReport['models'] {
  if (!existsSync(folder)) return { folder, exists: false, installed: [] };
  try {
    return { folder, exists: true, installed: installedModelIds(folder, activeManifest()) };
  } catch (error) {
    return { folder, exists: true, installed: [], reason: (error as Error).message };
  }
}

function describeAccelerators(backends: DoctorReport['backends']): DoctorReport['accelerators'] {
  return backends.backends
    .filter((backend) => backend.name === 'cuda' || backend.name === 'metal')
    .map((backend) => ({
      kind: backend.name === 'cuda' ? 'NVIDIA GPU (CUDA)' : 'Apple GPU (Metal)',
      name: backend.device ?? 'none found',
      available: backend.available,
      reason: backend.reason,
    }));
}

export async function runDoctor(context: CoreContext): Promise<DoctorReport> {
  const [backends, onnxRuntime] = await Promise.all([describeBackends(), probeOnnxRuntime()]);
  const { database, sqliteVersion } = describeDatabase(context);
  const cpus = os.cpus();
  const versions: Record<string, string> = {
    node: process.versions.node,
    v8: process.versions.v8,
    napi: process.versions.napi ?? 'unknown',
    sqlite: sqliteVersion,
  };
  if (process.versions.electron) versions.electron = process.versions.electron;
  if (onnxRuntime.version) versions.onnxruntime = onnxRuntime.version;
  return {
    milensVersion: packageVersion(),
    platform: {
      os: process.platform,
      release: os.release(),
      arch: process.arch,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      cpuCount: cpus.length,
      totalMemoryBytes: os.totalmem(),
    },
    versions,
    database,
    models: describeModels(context.modelsFolder),
    onnxRuntime,
    backends,
    accelerators: describeAccelerators(backends),
    energyCounters: probeEnergyCounters(),
  };
}

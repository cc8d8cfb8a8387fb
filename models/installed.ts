// Which models are installed. A model counts as installed only when its folder holds a receipt
// (`manifest.json`), written after every file was verified, whose checksums agree with the manifest in force,
// and every file is present with its expected size. Files without a receipt (an interrupted download, files
// copied in by hand) never count: they are verified by the downloader or `milens models import` first.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelFileRole, ModelInfo } from '../main/api/contract.js';
import { RECEIPT_FILE, modelSizeBytes, type ModelFileSpec, type ModelManifest, type ModelSpec } from './manifest.js';
import { modelFolder, syncFolder } from './files.js';

export interface ReceiptFile {
  name: string;
  role: ModelFileRole;
  sizeBytes: number;
  /** The SHA-256 computed from the installed bytes. */
  sha256: string;
  /** True when the manifest had a checksum and the bytes matched it; false for a file accepted with --allow-unverified. */
  verified: boolean;
}

export interface ModelReceipt {
  formatVersion: 1;
  id: string;
  family: string;
  embeddingDimension: number;
  installedAt: string;
  source: 'download' | 'import';
  files: ReceiptFile[];
}

export function receiptPath(modelsFolder: string, modelId: string): string {
  return path.join(modelFolder(modelsFolder, modelId), RECEIPT_FILE);
}

/** The receipt of a model, or null when it is absent or not a receipt this version understands. */
export function readReceipt(modelsFolder: string, modelId: string): ModelReceipt | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(receiptPath(modelsFolder, modelId), 'utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const receipt = parsed as Partial<ModelReceipt>;
  if (receipt.formatVersion !== 1 || receipt.id !== modelId || !Array.isArray(receipt.files)) return null;
  return receipt as ModelReceipt;
}

/** Writes the receipt atomically (temporary file, fsync, rename), after every file was verified. */
export async function writeReceipt(modelsFolder: string, receipt: ModelReceipt): Promise<void> {
  const destination = receiptPath(modelsFolder, receipt.id);
  const temporary = `${destination}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(receipt, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, destination);
  await syncFolder(path.dirname(destination));
}

/** The receipt entry of a manifest file whose installed bytes hash to `sha256` (verified when the manifest has a checksum). */
export function receiptFile(file: ModelFileSpec, sha256: string): ReceiptFile {
  return { name: file.name, role: file.role, sizeBytes: file.sizeBytes, sha256, verified: file.sha256 !== null };
}

/** Writes the receipt of `model`, installed now from `source` with `files` (see writeReceipt). */
export async function writeModelReceipt(
  modelsFolder: string,
  model: ModelSpec,
  source: ModelReceipt['source'],
  files: ReceiptFile[],
): Promise<void> {
  await writeReceipt(modelsFolder, {
    formatVersion: 1,
    id: model.id,
    family: model.family,
    embeddingDimension: model.embeddingDimension,
    installedAt: new Date().toISOString(),
    source,
    files,
  });
}

/** Withdraws a model's receipt before its files change, so that a half-replaced model never counts as installed. */
export async function removeReceipt(modelsFolder: string, modelId: string): Promise<void> {
  await rm(receiptPath(modelsFolder, modelId), { force: true });
}

function fileHasExpectedSize(file: string, sizeBytes: number): boolean {
  try {
    const info = statSync(file);
    return info.isFile() && info.size === sizeBytes;
  } catch {
    return false;
  }
}

/** Whether a model is completely installed: a matching receipt and every file present with its expected size. */
export function isModelInstalled(modelsFolder: string, model: ModelSpec): boolean {
  const receipt = readReceipt(modelsFolder, model.id);
  if (!receipt) return false;
  const folder = modelFolder(modelsFolder, model.id);
  return model.files.every((file) => {
    const recorded = receipt.files.find((entry) => entry.name === file.name);
    if (!recorded || recorded.sizeBytes !== file.sizeBytes) return false;
    if (file.sha256 !== null && (recorded.sha256 !== file.sha256 || !recorded.verified)) return false;
    return fileHasExpectedSize(path.join(folder, file.name), file.sizeBytes);
  });
}

/** The ids of the manifest's models that are completely installed, sorted. */
export function installedModelIds(modelsFolder: string, manifest: ModelManifest): string[] {
  if (!existsSync(modelsFolder)) return [];
  const folders = new Set(
    readdirSync(modelsFolder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name),
  );
  return manifest
    .filter((model) => folders.has(model.id) && isModelInstalled(modelsFolder, model))
    .map((model) => model.id)
    .sort();
}

/** The API's view of one model: the manifest's facts and what is on disk. */
export function describeModel(modelsFolder: string, model: ModelSpec): ModelInfo {
  const folder = modelFolder(modelsFolder, model.id);
  return {
    id: model.id,
    name: model.name,
    family: model.family,
    licence: model.licence,
    embeddingDimension: model.embeddingDimension,
    sizeBytes: modelSizeBytes(model),
    installed: isModelInstalled(modelsFolder, model),
    checksummed: model.files.every((file) => file.sha256 !== null),
    files: model.files.map((file) => ({
      name: file.name,
      role: file.role,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      installed: fileHasExpectedSize(path.join(folder, file.name), file.sizeBytes),
    })),
  };
}

// Offline import: installs model files that the user downloaded elsewhere (another machine, a USB stick).
// Sources are folders (searched for each manifest file by name, also under `onnx/` as the Hugging Face layout
// has it) or single files (matched by name, or else by checksum). Every file is copied into a temporary file
// while being hashed, and renamed into place only when its size and SHA-256 match the manifest; the receipt
// that makes the model count as installed is written once every file of the model is verified.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelInfo } from '../main/api/contract.js';
import { MilensError, invalidArgument, notFound } from '../main/api/errors.js';
import { fileSize, installFile, modelFolder, sha256OfFile } from './files.js';
import { describeModel, receiptFile, writeModelReceipt, type ReceiptFile } from './installed.js';
import type { ModelFileSpec, ModelSpec } from './manifest.js';

export interface ModelImportRequest {
  modelsFolder: string;
  model: ModelSpec;
  /** Folders and/or files holding the model's files. */
  sources: string[];
  allowUnverified?: boolean;
}

export interface ModelImportResult {
  model: ModelInfo;
  /** Files copied in, and where from. */
  imported: Array<{ file: string; from: string }>;
  /** Files of the model that are still missing (the model is installed only when none are). */
  missing: string[];
}

/** The file name a manifest entry has upstream (the last segment of its URL), which a user's download keeps. */
function upstreamName(file: ModelFileSpec): string {
  try {
    return decodeURIComponent(new URL(file.url).pathname.split('/').pop() ?? file.name);
  } catch {
    return file.name;
  }
}

async function kindOf(source: string): Promise<'file' | 'folder'> {
  try {
    const info = await stat(source);
    if (info.isDirectory()) return 'folder';
    if (info.isFile()) return 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`Nothing to import at ${source}: no such file or folder`);
    throw error;
  }
  throw invalidArgument(`Cannot import ${source}: not a file or a folder`);
}

/** Finds which source provides each manifest file; throws for a given file that belongs to no manifest entry. */
async function matchSources(model: ModelSpec, sources: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const source of sources.map((entry) => path.resolve(entry))) {
    if ((await kindOf(source)) === 'folder') {
      let contributed = false;
      for (const file of model.files) {
        if (found.has(file.name)) continue;
        for (const name of new Set([file.name, upstreamName(file)])) {
          const candidate = [path.join(source, name), path.join(source, 'onnx', name)];
          const hit = (await Promise.all(candidate.map(async (entry) => ((await fileSize(entry)) !== null ? entry : null)))).find(Boolean);
          if (hit) {
            found.set(file.name, hit);
            contributed = true;
            break;
          }
        }
      }
      if (!contributed) {
        throw notFound(`${source} holds none of the files of ${model.id} (${model.files.map((file) => file.name).join(', ')})`);
      }
      continue;
    }
    const base = path.basename(source);
    let file = model.files.find((entry) => entry.name === base || upstreamName(entry) === base);
    if (!file) {
      const { sha256, sizeBytes } = await sha256OfFile(source);
      file = model.files.find((entry) => entry.sha256 === sha256 && entry.sizeBytes === sizeBytes);
      if (!file) {
        throw invalidArgument(
          `${source} is not a file of ${model.id}: no manifest file has its name, and its SHA-256 ${sha256} (${sizeBytes} bytes) matches none of ${model.files.map((entry) => entry.name).join(', ')}`,
        );
      }
    }
    found.set(file.name, source);
  }
  return found;
}

/** Copies `source` to a temporary file next to `destination` while hashing; installs it only if it verifies. */
async function copyVerified(source: string, destination: string, file: ModelFileSpec): Promise<string> {
  const size = await fileSize(source);
  if (size !== file.sizeBytes) {
    throw new MilensError(
      'CONFLICT',
      `Wrong size for ${source}: ${file.name} must be ${file.sizeBytes} bytes but this file has ${size}; nothing was installed`,
      { source, expected: file.sizeBytes, actual: size },
    );
  }
  const temporary = `${destination}.import-${process.pid}.part`;
  const hash = createHash('sha256');
  const handle = await open(temporary, 'w');
  try {
    for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      await handle.write(chunk as Buffer);
    }
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  const actual = hash.digest('hex');
  if (file.sha256 !== null && actual !== file.sha256) {
    await rm(temporary, { force: true });
    throw new MilensError(
      'CONFLICT',
      `Checksum mismatch for ${source}: ${file.name} must have SHA-256 ${file.sha256} but this file hashes to ${actual}; nothing was installed`,
      { source, expected: file.sha256, actual },
    );
  }
  await installFile(temporary, destination);
  return actual;
}

/** Imports the given files of a model, verifying each; writes the receipt when the model is then complete. */
export async function importModel(requested: ModelImportRequest): Promise<ModelImportResult> {
  const { modelsFolder, model } = requested;
  if (requested.sources.length === 0) throw invalidArgument(`Name the folder or files to import ${model.id} from`);
  const unverified = model.files.filter((file) => file.sha256 === null);
  if (unverified.length > 0 && !requested.allowUnverified) {
    throw invalidArgument(
      `Refusing to import ${model.id}: the model manifest has no SHA-256 for ${unverified.map((f) => f.name).join(', ')}, so the files could not be verified (pass --allow-unverified to accept them, checked for size only)`,
      { model: model.id },
    );
  }
  const matched = await matchSources(model, requested.sources);
  const folder = modelFolder(modelsFolder, model.id);
  await mkdir(folder, { recursive: true });

  const imported: ModelImportResult['imported'] = [];
  const hashes = new Map<string, string>();
  for (const file of model.files) {
    const source = matched.get(file.name);
    if (!source) continue;
    hashes.set(file.name, await copyVerified(source, path.join(folder, file.name), file));
    imported.push({ file: file.name, from: source });
  }

  // Files that were already in the folder count only once verified here too: nothing enters a receipt unchecked.
  const missing: string[] = [];
  const receiptFiles: ReceiptFile[] = [];
  for (const file of model.files) {
    let sha256 = hashes.get(file.name) ?? null;
    if (sha256 === null && (await fileSize(path.join(folder, file.name))) === file.sizeBytes) {
      const existing = (await sha256OfFile(path.join(folder, file.name))).sha256;
      if (file.sha256 === null || existing === file.sha256) sha256 = existing;
    }
    if (sha256 === null) missing.push(file.name);
    else receiptFiles.push(receiptFile(file, sha256));
  }
  if (missing.length === 0) await writeModelReceipt(modelsFolder, model, 'import', receiptFiles);
  return { model: describeModel(modelsFolder, model), imported, missing };
}

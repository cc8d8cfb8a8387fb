// Downloads model files and installs them only once verified. Each file streams into
// `<modelsFolder>/<id>/<file>.part` through a SHA-256 hash; an interrupted transfer keeps its part and the
// next attempt resumes it with an HTTP Range request (re-hashing the bytes already there). A server that
// ignores Range (200) restarts the file; 416 discards the part and starts again. Once the size and the
// checksum match the manifest, the part is flushed and renamed to its final name; a mismatched file is
// deleted, never installed. Redirects are followed (the Hugging Face hub redirects to its CDN) but never
// from https down to http. Manifest URLs are https only; MILENS_MODEL_BASE_URL names a mirror or an
// offline server, which may be plain http.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { MilensError, invalidArgument, notFound, unavailable } from '../main/api/errors.js';
import { fileSize, hashInto, installFile, modelFolder, sha256OfFile } from './files.js';
import { describeModel, isModelInstalled, receiptFile, removeReceipt, writeModelReceipt, type ReceiptFile } from './installed.js';
import { modelSizeBytes, sourceUrl, type ModelFileSpec, type ModelSpec } from './manifest.js';
import type { ModelInfo } from '../main/api/contract.js';

export interface FileDownloadRequest {
  url: string;
  /** The final path; the transfer goes to `<destination>.part` first. */
  destination: string;
  /** Expected lowercase hex SHA-256, or null (refused unless allowUnverified). */
  sha256: string | null;
  sizeBytes: number;
  allowUnverified?: boolean;
  /** Accept a plain http URL: only for a mirror that the user configured (MILENS_MODEL_BASE_URL). */
  allowHttp?: boolean;
  signal?: AbortSignal;
  /** Bytes of this file on disk so far (including a resumed part), and its expected size. */
  onProgress?: (bytes: number, total: number) => void;
  /** Transfers tried before giving up on an interrupted download (each resumes the part); default 3. */
  maxAttempts?: number;
  /** Wait before the n-th retry is n times this; default 1000 ms. */
  retryDelayMs?: number;
}

export interface FileDownloadResult {
  path: string;
  sha256: string;
  sizeBytes: number;
  /** Bytes of an earlier part that were kept and resumed rather than downloaded again. */
  resumedBytes: number;
  /** True when the server ignored a Range request (or answered 416) and the file was downloaded from the start. */
  restarted: boolean;
}

const MAXIMUM_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A transfer that stopped part-way for a reason worth retrying: the part is kept for the next attempt. */
class InterruptedTransfer extends Error {
  constructor(
    message: string,
    readonly bytes: number,
  ) {
    super(message);
  }
}

function checksumMismatch(url: string, expected: string, actual: string): MilensError {
  return new MilensError(
    'CONFLICT',
    `Checksum mismatch for ${url}: expected SHA-256 ${expected} but the downloaded bytes hash to ${actual}; the file was deleted and not installed`,
    { url, expected, actual },
  );
}

function wrongSize(url: string, expected: number, actual: number, how: string): MilensError {
  return new MilensError(
    'CONFLICT',
    `Wrong size for ${url}: expected ${expected} bytes but ${how} ${actual}; the file was deleted and not installed`,
    { url, expected, actual },
  );
}

function unverifiedRefused(url: string): MilensError {
  return invalidArgument(
    `Refusing to download ${url}: the model manifest has no SHA-256 for it, so its bytes could not be verified (pass --allow-unverified to accept it, checked for size only)`,
    { url },
  );
}

function cancelled(url: string, bytes: number, part: string): MilensError {
  return new MilensError(
    'CANCELLED',
    `Download of ${url} was cancelled after ${bytes} bytes; ${part} is kept and the next download resumes from it`,
    { url, bytes },
  );
}

function checkUrl(url: string, allowHttp: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(`Not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol === 'https:' || (allowHttp && parsed.protocol === 'http:')) return parsed;
  throw invalidArgument(
    `Refusing to download ${url}: model files are fetched over https only (an http mirror needs MILENS_MODEL_BASE_URL)`,
  );
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const message = (error as Error).message ?? String(error);
  return cause?.message ? `${message}: ${cause.message}` : message;
}

/** GET with redirects followed by hand, so that each hop is checked (no https → http downgrade). */
async function request(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  allowHttp: boolean,
): Promise<Response> {
  let current = checkUrl(url, allowHttp);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(current, { headers: { 'Accept-Encoding': 'identity', ...headers }, redirect: 'manual', signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new InterruptedTransfer(`cannot reach ${current.href} (${describeCause(error)})`, 0);
    }
    if (!REDIRECT_STATUSES.has(response.status)) return response;
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) throw unavailable(`${current.href} answered ${response.status} without a Location to redirect to`);
    if (hop >= MAXIMUM_REDIRECTS) throw unavailable(`Too many redirects downloading ${url} (more than ${MAXIMUM_REDIRECTS})`);
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw unavailable(`Refusing the redirect from ${current.href} to ${next.href}: it leaves https`);
    }
    current = checkUrl(next.href, allowHttp);
  }
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** One transfer: resumes the part if there is one, appends what the server sends, verifies, installs. */
async function attemptDownload(requested: FileDownloadRequest, part: string, allowHttp: boolean): Promise<FileDownloadResult> {
  const { url, sizeBytes, signal } = requested;
  let hash: Hash = createHash('sha256');
  let offset = (await fileSize(part)) ?? 0;
  if (offset > sizeBytes) {
    await rm(part, { force: true });
    offset = 0;
  }
  // The bytes already there count towards the checksum, so they are read back rather than trusted.
  if (offset > 0) await hashInto(part, hash);
  const resumedFrom = offset;
  let restarted = false;

  let response: Response | null = null;
  if (offset < sizeBytes) {
    response = await request(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal, allowHttp);
    if (offset > 0) {
      const range = response.status === 206 ? parseContentRange(response.headers.get('content-range')) : null;
      const usable = range !== null && range.start === offset;
      const cannotContinue = response.status === 416 || (response.status === 206 && !usable);
      if (cannotContinue) {
        // The server cannot continue this part (it changed, or answered another range): start again.
        await discard(response);
        response = await request(url, {}, signal, allowHttp);
      }
      // A 200 to a Range request (the server ignores Range) also carries the whole file from its first byte.
      if (cannotContinue || response.status === 200) {
        restarted = true;
        offset = 0;
        hash = createHash('sha256');
      }
    }
    if (response.status === 404) {
      await discard(response);
      throw notFound(`Model file not found: ${url} answered 404 Not Found`, { url });
    }
    if (response.status !== 200 && response.status !== 206) {
      await discard(response);
      const message = `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      if (response.status >= 500 || response.status === 408 || response.status === 429) throw new InterruptedTransfer(message, offset);
      throw unavailable(`Cannot download ${message}`, { url, status: response.status });
    }
    const announced =
      response.status === 206
        ? parseContentRange(response.headers.get('content-range'))?.total
        : Number(response.headers.get('content-length') ?? Number.NaN);
    if (announced !== null && announced !== undefined && Number.isFinite(announced) && announced !== sizeBytes) {
      await discard(response);
      await rm(part, { force: true });
      throw wrongSize(url, sizeBytes, announced, 'the server announces');
    }
  }

  const handle = await open(part, offset > 0 ? 'a' : 'w');
  let bytes = offset;
  try {
    requested.onProgress?.(bytes, sizeBytes);
    const reader = response?.body?.getReader();
    while (reader) {
      // Only a failed read is an interrupted transfer; a failed write or callback is an error as it stands.
      let chunk: Uint8Array;
      try {
        const next = await reader.read();
        if (next.done) break;
        chunk = next.value;
      } catch (error) {
        if (signal?.aborted) throw cancelled(url, bytes, part);
        throw new InterruptedTransfer(
          `the transfer of ${url} broke off after ${bytes} of ${sizeBytes} bytes (${describeCause(error)})`,
          bytes,
        );
      }
      bytes += chunk.byteLength;
      if (bytes > sizeBytes) {
        await reader.cancel().catch(() => undefined);
        await handle.close();
        await rm(part, { force: true });
        throw wrongSize(url, sizeBytes, bytes, 'the server sent at least');
      }
      hash.update(chunk);
      await handle.write(chunk);
      requested.onProgress?.(bytes, sizeBytes);
    }
    if (bytes < sizeBytes) {
      throw new InterruptedTransfer(`the transfer of ${url} ended after ${bytes} of ${sizeBytes} bytes`, bytes);
    }
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
  }

  const actual = hash.digest('hex');
  if (requested.sha256 !== null && actual !== requested.sha256) {
    await rm(part, { force: true });
    throw checksumMismatch(url, requested.sha256, actual);
  }
  await installFile(part, requested.destination);
  return { path: requested.destination, sha256: actual, sizeBytes, resumedBytes: restarted ? 0 : resumedFrom, restarted };
}

function wait(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Downloads one file to `destination`, resuming an earlier part, and installs it only once verified. */
export async function downloadFile(requested: FileDownloadRequest): Promise<FileDownloadResult> {
  const allowHttp = requested.allowHttp ?? false;
  checkUrl(requested.url, allowHttp);
  if (requested.sha256 === null && !requested.allowUnverified) throw unverifiedRefused(requested.url);
  await mkdir(path.dirname(requested.destination), { recursive: true });
  const part = `${requested.destination}.part`;
  const maxAttempts = Math.max(1, requested.maxAttempts ?? 3);
  const retryDelayMs = requested.retryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    if (requested.signal?.aborted) throw cancelled(requested.url, (await fileSize(part)) ?? 0, part);
    try {
      return await attemptDownload(requested, part, allowHttp);
    } catch (error) {
      if (requested.signal?.aborted) throw cancelled(requested.url, (await fileSize(part)) ?? 0, part);
      if (!(error instanceof InterruptedTransfer)) throw error;
      if (attempt >= maxAttempts) {
        throw unavailable(
          `Download failed after ${attempt} attempt(s): ${error.message}. ${
            error.bytes > 0 ? `${part} is kept; run the download again to resume it.` : ''
          }`.trim(),
          { url: requested.url, bytes: error.bytes },
        );
      }
      await wait(retryDelayMs * attempt, requested.signal);
    }
  }
}

export interface ModelDownloadRequest {
  modelsFolder: string;
  model: ModelSpec;
  allowUnverified?: boolean;
  /** A mirror serving `<base>/<model id>/<file name>` (default: MILENS_MODEL_BASE_URL, else the manifest URLs). */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Bytes of the whole model on disk so far, the model's total, and the file being transferred. */
  onProgress?: (progress: { file: string; bytes: number; total: number }) => void;
  maxAttempts?: number;
  retryDelayMs?: number;
}

/**
 * Brings a model to the installed state: files already installed and intact are kept, the others are
 * downloaded (resuming parts) and verified, then the receipt is written. Returns the model as listModels does.
 */
export async function downloadModel(requested: ModelDownloadRequest): Promise<ModelInfo> {
  const { modelsFolder, model } = requested;
  const baseUrl = requested.baseUrl ?? process.env.MILENS_MODEL_BASE_URL;
  const unverified = model.files.filter((file) => file.sha256 === null);
  if (unverified.length > 0 && !requested.allowUnverified) {
    throw invalidArgument(
      `Refusing to download ${model.id}: the model manifest has no SHA-256 for ${unverified.map((f) => f.name).join(', ')}, so the bytes could not be verified (pass --allow-unverified to accept them, checked for size only)`,
      { model: model.id },
    );
  }
  if (isModelInstalled(modelsFolder, model)) return describeModel(modelsFolder, model);
  await removeReceipt(modelsFolder, model.id);

  const folder = modelFolder(modelsFolder, model.id);
  await mkdir(folder, { recursive: true });
  const total = modelSizeBytes(model);
  let finishedBytes = 0;
  const receiptFiles: ReceiptFile[] = [];
  for (const file of model.files) {
    const destination = path.join(folder, file.name);
    const kept = await keepIfIntact(destination, file);
    const sha256 =
      kept ??
      (
        await downloadFile({
          url: sourceUrl(model, file, baseUrl),
          destination,
          sha256: file.sha256,
          sizeBytes: file.sizeBytes,
          allowUnverified: requested.allowUnverified,
          allowHttp: Boolean(baseUrl),
          signal: requested.signal,
          maxAttempts: requested.maxAttempts,
          retryDelayMs: requested.retryDelayMs,
          onProgress: (bytes) => requested.onProgress?.({ file: file.name, bytes: finishedBytes + bytes, total }),
        })
      ).sha256;
    finishedBytes += file.sizeBytes;
    requested.onProgress?.({ file: file.name, bytes: finishedBytes, total });
    receiptFiles.push(receiptFile(file, sha256));
  }
  await writeModelReceipt(modelsFolder, model, 'download', receiptFiles);
  return describeModel(modelsFolder, model);
}

/**
 * The SHA-256 of an already installed file when it is intact (right size, and the manifest's checksum where
 * there is one); otherwise the file is removed so that it is downloaded again, and the result is null.
 */
export async function keepIfIntact(destination: string, file: ModelFileSpec): Promise<string | null> {
  const size = await fileSize(destination);
  if (size === null) return null;
  if (size === file.sizeBytes) {
    const { sha256 } = await sha256OfFile(destination);
    if (file.sha256 === null || sha256 === file.sha256) return sha256;
  }
  await rm(destination, { force: true });
  return null;
}

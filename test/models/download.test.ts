// The file downloader against a real local HTTP server: verified downloads, resume with Range after a cut
// connection, servers that ignore Range or answer 416, checksum and size mismatches, 404, redirects,
// unverified entries and cancellation. Nothing leaves 127.0.0.1.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, type FileDownloadRequest } from '../../models/download.js';
import { rejection } from '../helpers/errors.js';
import { makeTempFolder } from '../helpers/temp.js';
import { generatedBytes, sha256, startModelServer, type ModelServer } from './model-server.js';

const SIZE = 3 * 1024 * 1024 + 517;
const BYTES = generatedBytes(SIZE, 1);

let server: ModelServer;

beforeEach(async () => {
  server = await startModelServer();
  server.files.set('/files/model.onnx', BYTES);
});

afterEach(async () => {
  await server.close();
});

function requestFor(folder: string, overrides: Partial<FileDownloadRequest> = {}): FileDownloadRequest {
  return {
    url: `${server.origin}/files/model.onnx`,
    destination: path.join(folder, 'model.onnx'),
    sha256: sha256(BYTES),
    sizeBytes: SIZE,
    allowHttp: true,
    retryDelayMs: 0,
    ...overrides,
  };
}

describe('downloadFile', () => {
  it('downloads, verifies and installs a file, reporting progress up to the total', async () => {
    const folder = makeTempFolder();
    const progress: Array<[number, number]> = [];
    const result = await downloadFile(requestFor(folder, { onProgress: (bytes, total) => progress.push([bytes, total]) }));

    expect(result).toMatchObject({ sha256: sha256(BYTES), sizeBytes: SIZE, resumedBytes: 0, restarted: false });
    expect(readFileSync(result.path).equals(BYTES)).toBe(true);
    expect(existsSync(`${result.path}.part`)).toBe(false);
    expect(progress.at(-1)).toEqual([SIZE, SIZE]);
    for (let i = 1; i < progress.length; i++) expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0]);
    expect(server.requests).toEqual([{ path: '/files/model.onnx', range: undefined, status: 200 }]);
  });

  it('keeps the part of an interrupted download and resumes it with a Range request', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    server.cutNextAfter = 1_000_000;

    const interrupted = await rejection(downloadFile(requestFor(folder, { maxAttempts: 1 })));
    expect(interrupted.code).toBe('UNAVAILABLE');
    expect(interrupted.message).toContain(`${server.origin}/files/model.onnx`);
    expect(interrupted.message).toMatch(/resume/);
    expect(existsSync(destination)).toBe(false);
    const partSize = statSync(`${destination}.part`).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(1_000_000);

    const result = await downloadFile(requestFor(folder));
    expect(server.requests.at(-1)).toEqual({ path: '/files/model.onnx', range: `bytes=${partSize}-`, status: 206 });
    expect(result.resumedBytes).toBe(partSize);
    expect(result.restarted).toBe(false);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
    expect(existsSync(`${destination}.part`)).toBe(false);
  });

  it('resumes by itself within one call when the connection breaks and attempts remain', async () => {
    const folder = makeTempFolder();
    server.cutNextAfter = 700_000;
    const result = await downloadFile(requestFor(folder, { maxAttempts: 3 }));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].range).toBe(`bytes=${result.resumedBytes}-`);
    expect(result.resumedBytes).toBeGreaterThan(0);
    expect(readFileSync(result.path).equals(BYTES)).toBe(true);
  });

  it('keeps the part through a server error and resumes it on the next attempt', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    writeFileSync(`${destination}.part`, BYTES.subarray(0, 400_000));
    server.failNextWith = 503;

    const result = await downloadFile(requestFor(folder, { maxAttempts: 2 }));
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      ['bytes=400000-', 503],
      ['bytes=400000-', 206],
    ]);
    expect(result.resumedBytes).toBe(400_000);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
  });

  it('gives up on a client error such as 403 at once, naming the URL and the status', async () => {
    const folder = makeTempFolder();
    server.failNextWith = 403;
    const error = await rejection(downloadFile(requestFor(folder, { maxAttempts: 3 })));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain(`${server.origin}/files/model.onnx answered HTTP 403`);
    expect(server.requests).toHaveLength(1);
  });

  it('starts again from the first byte when the server ignores Range', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    // A part whose bytes are wrong: had they been kept, the checksum would fail.
    writeFileSync(`${destination}.part`, generatedBytes(250_000, 99));
    server.ignoreRange = true;

    const result = await downloadFile(requestFor(folder));
    expect(server.requests).toEqual([{ path: '/files/model.onnx', range: 'bytes=250000-', status: 200 }]);
    expect(result.restarted).toBe(true);
    expect(result.resumedBytes).toBe(0);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
  });

  it('discards the part and downloads the whole file when the server answers 416', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    writeFileSync(`${destination}.part`, BYTES.subarray(0, 123_456));
    server.refuseRanges = true;

    const result = await downloadFile(requestFor(folder));
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      ['bytes=123456-', 416],
      [undefined, 200],
    ]);
    expect(result.restarted).toBe(true);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
  });

  it('installs a complete part left from before without downloading again', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    writeFileSync(`${destination}.part`, BYTES);
    const result = await downloadFile(requestFor(folder));
    expect(server.requests).toHaveLength(0);
    expect(result.resumedBytes).toBe(SIZE);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
  });

  it('deletes a file whose checksum does not match and names both checksums', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    const expected = sha256(generatedBytes(SIZE, 2));
    const error = await rejection(downloadFile(requestFor(folder, { sha256: expected })));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`${server.origin}/files/model.onnx`);
    expect(error.message).toContain(`expected SHA-256 ${expected}`);
    expect(error.message).toContain(sha256(BYTES));
    expect(existsSync(destination)).toBe(false);
    expect(existsSync(`${destination}.part`)).toBe(false);
  });

  it('refuses a file of the wrong size, larger or smaller than the manifest says', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    for (const sizeBytes of [SIZE + 10, SIZE - 10]) {
      const error = await rejection(downloadFile(requestFor(folder, { sizeBytes })));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toContain(`expected ${sizeBytes} bytes`);
      expect(error.message).toContain(String(SIZE));
      expect(existsSync(destination)).toBe(false);
      expect(existsSync(`${destination}.part`)).toBe(false);
    }
  });

  it('names the URL when the server answers 404', async () => {
    const folder = makeTempFolder();
    const url = `${server.origin}/files/missing.onnx`;
    const error = await rejection(downloadFile(requestFor(folder, { url })));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(url);
    expect(error.message).toContain('404');
    expect(existsSync(path.join(folder, 'model.onnx'))).toBe(false);
  });

  it('follows redirects, as from the hub to its CDN', async () => {
    const folder = makeTempFolder();
    server.redirects.set('/resolve/model.onnx', '/cdn/hop');
    server.redirects.set('/cdn/hop', `${server.origin}/files/model.onnx`);
    const result = await downloadFile(requestFor(folder, { url: `${server.origin}/resolve/model.onnx` }));
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([
      ['/resolve/model.onnx', 302],
      ['/cdn/hop', 302],
      ['/files/model.onnx', 200],
    ]);
    expect(readFileSync(result.path).equals(BYTES)).toBe(true);
  });

  it('refuses an entry without a checksum unless unverified files are allowed', async () => {
    const folder = makeTempFolder();
    const refused = await rejection(downloadFile(requestFor(folder, { sha256: null })));
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.message).toContain('--allow-unverified');
    expect(server.requests).toHaveLength(0);

    const result = await downloadFile(requestFor(folder, { sha256: null, allowUnverified: true }));
    expect(result.sha256).toBe(sha256(BYTES));
  });

  it('accepts plain http only when allowed (a configured mirror)', async () => {
    const folder = makeTempFolder();
    const refused = await rejection(downloadFile(requestFor(folder, { allowHttp: false })));
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.message).toMatch(/https only/);
    expect(server.requests).toHaveLength(0);
  });

  it('stops when cancelled, keeping the part for a later resume', async () => {
    const folder = makeTempFolder();
    const destination = path.join(folder, 'model.onnx');
    const controller = new AbortController();
    const error = await rejection(
      downloadFile(
        requestFor(folder, {
          signal: controller.signal,
          onProgress: (bytes) => {
            if (bytes > 0) controller.abort();
          },
        }),
      ),
    );
    expect(error.code).toBe('CANCELLED');
    expect(existsSync(destination)).toBe(false);
    const partSize = statSync(`${destination}.part`).size;
    expect(partSize).toBeLessThan(SIZE);

    const result = await downloadFile(requestFor(folder));
    expect(result.resumedBytes).toBe(partSize);
    expect(readFileSync(destination).equals(BYTES)).toBe(true);
  });
});

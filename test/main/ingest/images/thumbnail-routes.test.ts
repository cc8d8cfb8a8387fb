// Thumbnails over the shells, by item id only: the serve shell over real HTTP (token, Host check, raw
// request paths so that traversal attempts reach the server as sent) and the app:// handler's answer,
// both backed by a real index. Only photos of indexed collections are served; a missing thumbnail is
// rebuilt from the original; nothing a request names ever reaches the file system.
import http from 'node:http';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerThumbnail } from '../../../../main/app/app-thumbnails.js';
import { createMilensCore } from '../../../../main/core/api.js';
import { thumbnailServerOf } from '../../../../main/core/collection-calls.js';
import { thumbnailFolderFor, ThumbnailCache } from '../../../../main/ingest/images/thumbnail-cache.js';
import { thumbnailUrls } from '../../../../main/ingest/images/thumbnail-urls.js';
import { startServeShell, type ServeShell } from '../../../../main/server/serve-shell.js';
import { PhotosRepository } from '../../../../db/repositories/photos-repository.js';

interface BinaryResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with the path exactly as given (no client-side normalisation of `..` or escapes). */
function get(port: number, requestPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<BinaryResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method, path: requestPath, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const TOKEN = 'thumbnail-test-token-0123456789abcdef';
let shell: ServeShell;
let root: string;
let photoId: number;
let photoHash: string;
let textId: number;
let databasePath: string;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  // Not makeTempFolder: that one is emptied after each test, and these tests share one index.
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'milens-thumbnails-')));
  const folder = path.join(root, 'photos');
  mkdirSync(folder);
  await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toFile(path.join(folder, 'lake.jpg'));
  writeFileSync(path.join(folder, 'notes.txt'), 'a note beside the photo\n');
  writeFileSync(path.join(root, 'secret.txt'), 'not for the browser\n');
  databasePath = path.join(root, 'milens.sqlite');
  const core = createMilensCore({ databasePath, modelsFolder: path.join(root, 'models') });
  await core.api.indexCollection(folder);
  const db = core.context.database();
  const photo = new PhotosRepository(db).list()[0];
  photoId = photo.itemId;
  photoHash = photo.contentHash;
  textId = db.prepare("SELECT id FROM documents WHERE kind = 'text'").pluck().get() as number;
  shell = await startServeShell({ core, watch: false, port: 0, token: TOKEN, rendererFolder: path.join(root, 'no-renderer') });
});

afterAll(async () => {
  await shell?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the serve shell thumbnail route', () => {
  it('serves both sizes of an indexed photo as WebP, to the token only', async () => {
    const urls = thumbnailUrls(photoId);
    const small = await get(shell.server.port, urls.small, auth);
    expect(small.status).toBe(200);
    expect(small.headers['content-type']).toBe('image/webp');
    expect(small.headers['cache-control']).toMatch(/^private/);
    expect(await sharp(small.body).metadata()).toMatchObject({ format: 'webp', width: 256, height: 192 });
    const large = await get(shell.server.port, urls.large, auth);
    expect(await sharp(large.body).metadata()).toMatchObject({ format: 'webp', width: 800, height: 600 });
    // The cookie holds its own secret (set when the page loads with the token), never the API token.
    expect((await get(shell.server.port, urls.large, { Cookie: `milens_static_${shell.server.port}=${TOKEN}` })).status).not.toBe(200);
    expect((await get(shell.server.port, urls.small, {}, 'HEAD')).status).toBe(401);
    expect((await get(shell.server.port, urls.small)).status).toBe(401);
    expect((await get(shell.server.port, urls.small, { Authorization: 'Bearer wrong' })).status).toBe(403);
    expect((await get(shell.server.port, urls.small, { ...auth, Host: 'evil.example' })).status).toBe(403);
  });

  it('rebuilds a thumbnail missing from the cache from the original', async () => {
    const cache = new ThumbnailCache(thumbnailFolderFor(databasePath));
    rmSync(cache.fileOf(photoHash, 'small'));
    const rebuilt = await get(shell.server.port, thumbnailUrls(photoId).small, auth);
    expect(rebuilt.status).toBe(200);
    expect((await sharp(rebuilt.body).metadata()).width).toBe(256);
    expect(await cache.has(photoHash)).toBe(true);
  });

  it('answers 404 to anything but an indexed photo id, and to every traversal attempt', async () => {
    const attempts = [
      `/thumbnails/${textId}/small`, // a document, not a photo
      '/thumbnails/999999/small',
      `/thumbnails/0${photoId}/small`,
      `/thumbnails/${photoId}/medium`,
      `/thumbnails/${photoId}/small/`,
      `/thumbnails/${photoId}/small.webp`,
      `/thumbnails/${photoId}`,
      '/thumbnails/',
      `/thumbnails/${photoHash}/small`,
      '/thumbnails/../milens.sqlite',
      '/thumbnails/..%2f..%2fsecret.txt',
      '/thumbnails/%2e%2e/%2e%2e/secret.txt',
      `/thumbnails/${photoId}/..%2f..%2f..%2fsecret.txt`,
      `/thumbnails/${photoId}/small/../../../secret.txt`,
      '/thumbnails/1%00/small',
      `/thumbnails/-${photoId}/small`,
      `/thumbnails/${photoId}e0/small`,
      '/thumbnails/..\\..\\secret.txt',
      `/thumbnails/${encodeURIComponent(path.join(root, 'secret.txt'))}/small`,
    ];
    for (const attempt of attempts) {
      const response = await get(shell.server.port, attempt, auth);
      expect(response.status, attempt).toBe(404);
      expect(response.body.toString('latin1'), attempt).not.toMatch(/not for the browser|SQLite format/);
    }
  });

  it('the app:// handler answers the same way', async () => {
    const lookup = (pathname: string) => thumbnailServerOf(shell.core.context).forPath(pathname);
    const ok = await answerThumbnail('GET', new URL(`app://milens${thumbnailUrls(photoId).large}`).pathname, lookup);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await ok.arrayBuffer())).metadata()).format).toBe('webp');
    expect((await answerThumbnail('POST', thumbnailUrls(photoId).large, lookup)).status).toBe(404);
    for (const attempt of [
      `app://milens/thumbnails/${textId}/small`,
      'app://milens/thumbnails/..%2f..%2fsecret.txt/small',
      `app://milens/thumbnails/${photoId}/small/..%2f..%2fsecret.txt`,
      'app://milens/thumbnails/../../secret.txt',
      `app://milens/thumbnails/${photoId}/%73mall`,
    ]) {
      const response = await answerThumbnail('GET', new URL(attempt).pathname, lookup);
      expect(response.status, attempt).toBe(404);
    }
  });

  it('stops serving a photo once its collection is removed', async () => {
    const [collection] = await shell.core.api.listCollections();
    await shell.core.api.removeCollection(collection.id);
    expect((await get(shell.server.port, thumbnailUrls(photoId).small, auth)).status).toBe(404);
    expect(await new ThumbnailCache(thumbnailFolderFor(databasePath)).has(photoHash)).toBe(false);
  });
});

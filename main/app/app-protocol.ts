// The app:// protocol: serves the built renderer (dist/renderer) to the window with the strict CSP in
// the response headers. Only files inside that folder are reachable, only on the host `milens`; the
// window never loads file:// or http(s):// content. /thumbnails/<itemId>/<size> is answered from the
// index by item id (app-thumbnails.ts), never from a path.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { answerThumbnail, isThumbnailPath, type ThumbnailLookup } from './app-thumbnails.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'milens';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/**
 * The renderer talks to the core only through the preload's IPC bridge: no network at all, so
 * connect-src is 'none' (the serve shell's policy allows its own origin for the HTTP API).
 */
export const APP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Whether a URL belongs to the app. Compares scheme and host: Node's URL gives non-special schemes
 * an opaque origin ("null"), so comparing origins would match nothing (or, worse, everything opaque).
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Must run before the app is ready: app:// behaves like https (standard, secure origin). */
export function registerAppScheme(): void {
  // corsEnabled lets Chromium fetch the page's module scripts (Vite marks them `crossorigin`) in CORS
  // mode; the handler sends no Access-Control headers, so no other origin can read these files.
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Resolves an app:// URL to a file inside `rendererFolder`, or undefined if it points elsewhere. */
export function resolveAppUrl(rendererFolder: string, requestUrl: string): string | undefined {
  if (!isAppUrl(requestUrl)) return undefined;
  const url = new URL(requestUrl);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const root = path.resolve(rendererFolder);
  const file = path.resolve(root, `.${path.posix.normalize(pathname === '/' ? '/index.html' : pathname)}`);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** Resolves an indexed item's id to its file (main/core/item-files.ts, in the core worker), for app://milens/files/<id>. */
export type ItemFileResolver = (itemId: number) => Promise<{ path: string } | undefined>;

const ITEM_FILE_PATH = /^\/files\/(\d{1,15})$/;
const FILE_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";

export function handleAppProtocol(rendererFolder: string, thumbnails?: ThumbnailLookup, itemFiles?: ItemFileResolver): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (thumbnails && isAppUrl(request.url) && isThumbnailPath(new URL(request.url).pathname))
      return answerThumbnail(request.method, new URL(request.url).pathname, thumbnails);
    // The files of indexed items (thumbnails and previews of photos, documents): only those, by id.
    const itemMatch = isAppUrl(request.url) ? ITEM_FILE_PATH.exec(new URL(request.url).pathname) : null;
    if (itemMatch) {
      const item = request.method === 'GET' ? await itemFiles?.(Number(itemMatch[1])).catch(() => undefined) : undefined;
      if (!item) return new Response('Not found', { status: 404 });
      const response = await net.fetch(pathToFileURL(item.path).toString()).catch(() => undefined);
      if (!response?.ok) return new Response('Not found', { status: 404 });
      const headers = new Headers({ 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': FILE_CONTENT_SECURITY_POLICY });
      const type = response.headers.get('Content-Type');
      // Markup is shown as its source, never run in the app's origin.
      headers.set('Content-Type', type && !/html|xml|svg/i.test(type) ? type : 'text/plain; charset=utf-8');
      return new Response(response.body, { status: 200, headers });
    }
    const file = resolveAppUrl(rendererFolder, request.url);
    if (!file || request.method !== 'GET') return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString()).catch(() => undefined);
    if (!response?.ok) return new Response('Not found', { status: 404 });
    const headers = new Headers({
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
    });
    if (file.endsWith('.html')) headers.set('Content-Security-Policy', APP_CONTENT_SECURITY_POLICY);
    return new Response(response.body, { status: 200, headers });
  });
}

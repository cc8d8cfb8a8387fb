// Serves the built renderer (dist/renderer, made by Vite) read-only: only files inside that folder,
// with a content type per extension, and index.html for the page routes.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { packageRoot } from '../system/package-info.js';
import { setDocumentHeaders } from './security-headers.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export function defaultRendererFolder(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}

export interface StaticFileResult {
  /** The file answered, or why not. */
  status: 200 | 404 | 503;
  isDocument: boolean;
}

/**
 * Answers a GET for `pathname` from `folder`. Paths without an extension are page routes and get
 * index.html (the renderer routes on the client); anything resolving outside the folder is a 404.
 * `beforeDocument` runs just before a page is answered (the caller sets its cookie there).
 */
export async function serveStaticFile(
  folder: string,
  pathname: string,
  response: ServerResponse,
  headOnly: boolean,
  beforeDocument: () => void = () => {},
): Promise<StaticFileResult> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return sendPlain(response, 404, 'Not found', false);
  }
  if (relative.includes('\0')) return sendPlain(response, 404, 'Not found', false);
  const isDocument = relative === '/' || path.posix.extname(relative) === '' || relative.endsWith('.html');
  const target = isDocument && !relative.endsWith('.html') ? '/index.html' : relative;
  const root = path.resolve(folder);
  const file = path.resolve(root, `.${path.posix.normalize(target)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return sendPlain(response, 404, 'Not found', isDocument);

  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (isDocument) {
      return sendPlain(
        response,
        503,
        `The milens interface is not built (${path.join(root, 'index.html')} is missing): run \`npm run build\`.`,
        true,
      );
    }
    return sendPlain(response, 404, 'Not found', false);
  }
  if (isDocument) {
    setDocumentHeaders(response);
    beforeDocument();
  }
  // Vite puts a content hash in every asset name, so assets can be cached for good; pages never.
  else response.setHeader('Cache-Control', relative.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache');
  response.statusCode = 200;
  response.setHeader('Content-Type', CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
  response.setHeader('Content-Length', info.size);
  if (headOnly) {
    response.end();
    return { status: 200, isDocument };
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      response.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(response);
  });
  return { status: 200, isDocument };
}

function sendPlain(response: ServerResponse, status: 404 | 503, text: string, isDocument: boolean): StaticFileResult {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(text);
  return { status, isDocument };
}

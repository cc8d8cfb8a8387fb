// GET /files/<itemId>: the file of one indexed item, for "open" and "download" in the browser. Only items
// in the index, only files still inside their collection folder (resolved by the core), and never as
// something the browser would run on this origin: every answer is sandboxed by its CSP, and markup types
// (HTML, SVG, XML) are sent as plain text.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

export interface ItemFileSource {
  (itemId: number): { path: string; sizeBytes: number } | undefined;
}

export const ITEM_FILE_PREFIX = '/files/';

const SAFE_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.markdown': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.pdf': 'application/pdf',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  // Markup would run scripts if rendered: shown as its source.
  '.html': 'text/plain; charset=utf-8',
  '.htm': 'text/plain; charset=utf-8',
  '.svg': 'text/plain; charset=utf-8',
  '.xml': 'text/plain; charset=utf-8',
};

const FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

/** Answers the route; false when the pathname is not /files/<digits> (the caller then 404s). */
export async function serveItemFile(
  source: ItemFileSource | undefined,
  pathname: string,
  download: boolean,
  response: ServerResponse,
  headOnly: boolean,
): Promise<void> {
  const match = /^\/files\/(\d{1,15})$/.exec(pathname);
  const file = match && source ? source(Number(match[1])) : undefined;
  if (!file) {
    response.statusCode = 404;
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.end('Not found: no indexed item has this id, or its file is gone.');
    return;
  }
  const name = path.basename(file.path);
  response.statusCode = 200;
  response.setHeader('Content-Type', SAFE_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream');
  response.setHeader('Content-Length', file.sizeBytes);
  response.setHeader('Content-Security-Policy', FILE_CSP);
  response.setHeader('Cache-Control', 'private, no-cache');
  // RFC 6266: an ASCII fallback and the UTF-8 name.
  const asciiName = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  response.setHeader(
    'Content-Disposition',
    `${download ? 'attachment' : 'inline'}; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  );
  if (headOnly) {
    response.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file.path);
    stream.on('error', () => {
      response.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(response);
  });
}

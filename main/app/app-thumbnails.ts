// Thumbnails under app://milens/thumbnails/<itemId>/<small|large>, for the window's <img> tags: the
// app protocol hands such requests here. Like the serve shell's route, only an item id of an indexed
// photo is ever looked up (main/ingest/images/thumbnail-routes.ts); no part of the URL reaches the file
// system. Kept free of `electron` so that tests can drive it with real requests.
import { THUMBNAIL_CONTENT_TYPE, THUMBNAIL_ROUTE_PREFIX } from '../ingest/images/thumbnail-urls.js';

export type ThumbnailLookup = (pathname: string) => Promise<Uint8Array | undefined>;

/** Whether an app:// path is a thumbnail request (answered by answerThumbnail, never by the renderer files). */
export function isThumbnailPath(pathname: string): boolean {
  return pathname.startsWith(THUMBNAIL_ROUTE_PREFIX);
}

/** The response to a thumbnail request: the WebP bytes, or a 404 for anything that is no indexed photo. */
export async function answerThumbnail(method: string, pathname: string, lookup: ThumbnailLookup): Promise<Response> {
  if (method !== 'GET') return new Response('Not found', { status: 404 });
  const bytes = await lookup(pathname).catch(() => undefined);
  if (!bytes) return new Response('Not found', { status: 404 });
  return new Response(new Uint8Array(bytes), {
    status: 200,
    headers: { 'Content-Type': THUMBNAIL_CONTENT_TYPE, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=300' },
  });
}

// The thumbnail routes' URLs, shared by the shells and search results: `/thumbnails/<itemId>/<small|large>`,
// the same path in the serve shell and under app://milens. Pure strings, nothing loaded.
import type { ThumbnailSize } from './thumbnail-cache.js';

export const THUMBNAIL_ROUTE_PREFIX = '/thumbnails/';
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';

/** The shell-relative URLs of an item's thumbnails. */
export function thumbnailUrls(itemId: number): { small: string; large: string } {
  return { small: `${THUMBNAIL_ROUTE_PREFIX}${itemId}/small`, large: `${THUMBNAIL_ROUTE_PREFIX}${itemId}/large` };
}

/** `/thumbnails/12/small` → { itemId: 12, size: 'small' }; anything else (encoded, dotted, padded) → undefined. */
export function parseThumbnailPath(pathname: string): { itemId: number; size: ThumbnailSize } | undefined {
  const match = /^\/thumbnails\/([1-9][0-9]{0,14})\/(small|large)$/.exec(pathname);
  if (!match) return undefined;
  return { itemId: Number(match[1]), size: match[2] as ThumbnailSize };
}

// How a result's file is opened: in the desktop app through the main process (open / reveal in the
// folder), in the browser through the serve shell's /files/<itemId> route (indexed items only, same
// origin, authorised by the page's cookie).
import type { SearchResult } from '../../../main/api/contract.js';

export function fileUrl(result: SearchResult, download = false): string | null {
  if (result.itemId === undefined) return null;
  return `/files/${result.itemId}${download ? '?download=1' : ''}`;
}

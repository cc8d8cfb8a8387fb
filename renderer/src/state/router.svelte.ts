// The page shown, kept in the URL's hash (#/system, #/search, #/tables) so that back/forward and
// reloads work the same in a browser tab and in Electron's app:// window.

export const PAGES = [
  { id: 'system', title: 'System' },
  { id: 'search', title: 'Search' },
  { id: 'tables', title: 'Tables' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '');
  return PAGES.find((page) => page.id === id)?.id ?? 'system';
}

export class Router {
  current = $state<PageId>(pageFromHash(window.location.hash));

  /** Follows hash changes; returns the function that stops following. */
  listen(): () => void {
    const update = () => {
      this.current = pageFromHash(window.location.hash);
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }
}

// The view shown and its parameters, kept in the URL's hash (#/search?q=entropy&kind=text) so that
// reloads, back / forward and bookmarks work the same in a browser tab and in Electron's app:// window.
// Views write their parameters with `router.set(...)`; everything else is derived from the hash.

export const VIEWS = [
  { id: 'search', title: 'Search' },
  { id: 'collections', title: 'Collections' },
  { id: 'tables', title: 'Tables' },
  { id: 'benchmarks', title: 'Benchmarks' },
  { id: 'settings', title: 'Settings' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export interface Route {
  view: ViewId;
  params: URLSearchParams;
}

/** Old addresses (#/system) still open where their content now lives. */
const RENAMED: Record<string, ViewId> = { system: 'settings' };

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const question = text.indexOf('?');
  const name = question < 0 ? text : text.slice(0, question);
  const params = new URLSearchParams(question < 0 ? '' : text.slice(question + 1));
  const view = VIEWS.find((candidate) => candidate.id === name)?.id ?? RENAMED[name] ?? 'search';
  return { view, params };
}

export function formatHash(view: ViewId, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const query = search.toString();
  return `#/${view}${query ? `?${query}` : ''}`;
}

export class Router {
  hash = $state(window.location.hash);
  readonly route = $derived(parseHash(this.hash));
  readonly current = $derived(this.route.view);

  /** Follows hash changes (links, back / forward); returns the function that stops following. */
  listen(): () => void {
    const update = () => {
      this.hash = window.location.hash;
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }

  /** Shows a view with these parameters: a new history entry, or in place (`replace`) while typing. */
  go(view: ViewId, params: Record<string, string | undefined> = {}, replace = false): void {
    const hash = formatHash(view, params);
    if (hash === this.hash) return;
    if (replace) window.history.replaceState(window.history.state, '', hash);
    else window.history.pushState(window.history.state, '', hash);
    this.hash = hash;
  }
}

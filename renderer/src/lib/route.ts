// The views and how a view and its parameters are written in the URL's hash (#/search?q=entropy&kind=text).

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

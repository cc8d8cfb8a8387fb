// The view shown and its parameters, kept in the URL's hash (#/search?q=entropy&kind=text) so that
// reloads, back / forward and bookmarks work the same in a browser tab and in Electron's app:// window.
// Views write their parameters with `router.go(...)`; everything else is derived from the hash.

import { parseHash, formatHash, type ViewId } from '../lib/route.js';

export { VIEWS, parseHash, formatHash, type ViewId, type Route } from '../lib/route.js';

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

// The serve shell's access token on the page side. `milens serve` prints `http://127.0.0.1:PORT/?token=…`;
// the page keeps the token in localStorage (this origin only) and removes it from the address bar so it
// does not linger in history or get copied along with the URL. The server keeps the same token across
// restarts for the same data folder (and, without --port, the same port and cookie secret), so a page left
// open or a bookmark of it keeps working.

const STORAGE_KEY = 'milens.accessToken';

export function takeAccessToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  return localStorage.getItem(STORAGE_KEY) ?? sessionStorage.getItem(STORAGE_KEY);
}

/** The token to put in a same-origin link the browser opens by itself (a file to open or download). */
export function storedAccessToken(): string | null {
  return localStorage.getItem(STORAGE_KEY);
}

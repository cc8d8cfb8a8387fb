// The serve shell's access token on the page side. `milens serve` prints `http://127.0.0.1:PORT/?token=…`;
// the page keeps the token in sessionStorage (this tab only, gone when it closes) and removes it from the
// address bar so it does not linger in history or get copied along with the URL.

const STORAGE_KEY = 'milens.accessToken';

export function takeAccessToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

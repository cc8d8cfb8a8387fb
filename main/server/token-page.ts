// The page a browser gets when it opens the serve shell without its token, or with a wrong one: plain,
// readable words on what happened and what to do, instead of a bare "401". No script, no style (the
// page's CSP allows neither inline), no detail that would help a stranger.
import type { ServerResponse } from 'node:http';
import { setDocumentHeaders } from './security-headers.js';

export function sendTokenPage(response: ServerResponse, status: 401 | 403): void {
  const wrong = status === 403;
  const title = wrong ? 'This address has an old or wrong access token' : 'This address needs its access token';
  const body = wrong
    ? 'The token in this address or bookmark does not match the one milens uses now (it changes when milens serve ' +
      'runs on another data folder, or when its token file is deleted).'
    : 'milens protects your files with an access token, so that other pages and programs on this computer cannot read them.';
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${title} · milens</title></head>
<body>
<main>
<h1>${title}</h1>
<p>${body}</p>
<p>Open the address that <code>milens serve</code> printed in its terminal. It looks like <code>http://127.0.0.1:PORT/?token=…</code>.
The same token works after milens restarts, so once opened, your bookmarks keep working.</p>
</main>
</body>
</html>
`;
  setDocumentHeaders(response);
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(html));
  response.end(html);
}

// The serve shell: the milens interface and API over HTTP on 127.0.0.1, for browsers and for machines
// where Electron cannot run. Every request must present the access token and a Host header naming this
// server; API calls must carry the token in an Authorization header, which a page on another origin
// cannot send without a CORS preflight that this server never grants.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MilensApi } from '../api/contract.js';
import {
  createAccessToken,
  presentedMatches,
  presentedTokens,
  staticCookie,
  staticCookieName,
  tokensMatch,
  type TokenSource,
} from './access-token.js';
import { allowedHostHeaders, assertBindable, DEFAULT_HOST, formatHostName } from './bind-address.js';
import { dispatchApiCall, httpStatusFor, isApiMethod } from './api-dispatch.js';
import { EventStreamHub, type MilensEventSource } from './event-stream.js';
import { setCommonHeaders } from './security-headers.js';
import { defaultRendererFolder, serveStaticFile } from './static-files.js';
import { ITEM_FILE_PREFIX, serveItemFile, type ItemFileSource } from './item-file-route.js';
import { sendTokenPage } from './token-page.js';
import { THUMBNAIL_CONTENT_TYPE, THUMBNAIL_ROUTE_PREFIX } from '../ingest/images/thumbnail-urls.js';

/** API bodies are small JSON requests; anything bigger is a mistake or an attack. */
export const MAXIMUM_BODY_BYTES = 1024 * 1024;

export interface ServeOptions {
  api: MilensApi;
  events: MilensEventSource;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  allowRemote?: boolean;
  rendererFolder?: string;
  /** A fixed token (tests, or the one kept for the data folder); a fresh random one otherwise. */
  token?: string;
  /** The static-file cookie's secret (the one kept for the data folder); a fresh random one otherwise. Never the token. */
  staticSecret?: string;
  /** Resolves an indexed item's id to its file, for GET /files/<id>; without it that route answers 404. */
  itemFiles?: ItemFileSource;
  /**
   * Thumbnails of indexed photos for `GET /thumbnails/<itemId>/<small|large>`: the WebP bytes, or
   * undefined for a 404. Only the request path is passed, and only to this lookup by item id.
   */
  thumbnails?: (pathname: string) => Promise<Uint8Array | undefined>;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The address to open, token included. */
  url: string;
  origin: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  assertBindable(host, options.allowRemote ?? false);
  const token = options.token ?? createAccessToken();
  // The static-file cookie's own secret (./access-token.ts): a leaked cookie never unlocks the API.
  const staticSecret = options.staticSecret ?? createAccessToken();
  if (tokensMatch(staticSecret, token)) throw new Error('The static-file secret must not be the access token');
  const rendererFolder = options.rendererFolder ?? defaultRendererFolder();
  const log = options.log ?? (() => {});
  const hub = new EventStreamHub(options.events);

  // Filled in once listening: the Host check needs the real port.
  let allowedHosts = new Set<string>();
  let cookieName = '';
  let listeningPort = 0;

  const server = http.createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      log(`serve: ${request.method} ${stripQuery(request.url)} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent)
        sendJson(response, 500, { ok: false, error: { name: 'Error', code: 'INTERNAL', message: 'Internal server error' } });
      else response.destroy();
    });
  });
  // Slow-loris defence; SSE responses are long-lived but their requests complete at once.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setCommonHeaders(response);
    const hostHeader = (request.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(hostHeader)) {
      log(`serve: refused ${request.method} ${stripQuery(request.url)} for Host ${JSON.stringify(request.headers.host ?? '')}`);
      return sendText(response, 403, 'Forbidden: this server answers only to its own address (Host header check).');
    }
    const url = new URL(request.url ?? '/', `http://${hostHeader}`);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');

    const denial = authenticate(request, url, isApi ? ['header'] : ['header', 'cookie', 'query']);
    if (denial) {
      log(`serve: ${denial.status} ${request.method} ${url.pathname} (${denial.reason})`);
      if (denial.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="milens"');
      if (isApi)
        return sendJson(response, denial.status, {
          ok: false,
          error: { name: 'MilensError', code: 'UNAUTHORIZED', message: denial.reason },
        });
      // A person opening a page gets words; anything else (an asset, a file) a short line.
      if (url.pathname === '/' || url.pathname.endsWith('.html') || !url.pathname.includes('.'))
        return sendTokenPage(response, denial.status);
      return sendText(response, denial.status, `${denial.reason}. Open the address that \`milens serve\` printed (it ends with ?token=…).`);
    }

    if (isApi) return handleApi(request, response, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendText(response, 405, 'Method not allowed');
    }
    if (url.pathname.startsWith(ITEM_FILE_PREFIX))
      return serveItemFile(options.itemFiles, url.pathname, url.searchParams.has('download'), response, request.method === 'HEAD');
    if (url.pathname.startsWith(THUMBNAIL_ROUTE_PREFIX)) return sendThumbnail(response, url.pathname, request.method === 'HEAD');
    const queryToken = url.searchParams.get('token');
    const result = await serveStaticFile(rendererFolder, url.pathname, response, request.method === 'HEAD', () => {
      // The page itself reads the token from its URL for API calls; the cookie lets the browser fetch
      // the page's scripts and styles, which it requests without any header of ours.
      if (queryToken !== null && tokensMatch(token, queryToken)) {
        response.setHeader('Set-Cookie', staticCookie(listeningPort, staticSecret));
      }
    });
    if (result.status !== 200) log(`serve: ${result.status} GET ${url.pathname}`);
  }

  async function sendThumbnail(response: ServerResponse, pathname: string, headOnly: boolean): Promise<void> {
    const bytes = options.thumbnails ? await options.thumbnails(pathname) : undefined;
    if (!bytes) {
      log(`serve: 404 GET ${pathname}`);
      return sendText(response, 404, 'Not found');
    }
    response.statusCode = 200;
    response.setHeader('Content-Type', THUMBNAIL_CONTENT_TYPE);
    // Private: a thumbnail is the person's own photo. Short-lived: the item may be re-indexed.
    response.setHeader('Cache-Control', 'private, max-age=300');
    response.setHeader('Content-Length', bytes.length);
    response.end(headOnly ? undefined : bytes);
  }

  function authenticate(request: IncomingMessage, url: URL, accepted: TokenSource[]): { status: 401 | 403; reason: string } | undefined {
    const all = presentedTokens(request, url, cookieName);
    const usable = all.filter((presented) => accepted.includes(presented.source));
    if (usable.some((presented) => presentedMatches(presented, { token, staticSecret }))) return undefined;
    if (usable.length > 0) return { status: 403, reason: 'Forbidden: wrong access token' };
    if (all.length > 0)
      return { status: 401, reason: 'Unauthorized: API requests must send the access token in an Authorization: Bearer header' };
    return { status: 401, reason: 'Unauthorized: an access token is required' };
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/api/events') {
      if (request.method !== 'GET') {
        response.setHeader('Allow', 'GET');
        return sendText(response, 405, 'Method not allowed');
      }
      return hub.attach(request, response);
    }
    const method = url.pathname.slice('/api/'.length);
    if (!isApiMethod(method)) {
      return sendJson(response, 404, {
        ok: false,
        error: { name: 'MilensError', code: 'NOT_FOUND', message: `Unknown API method ${JSON.stringify(method)}` },
      });
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendJson(response, 405, {
        ok: false,
        error: { name: 'MilensError', code: 'INVALID_ARGUMENT', message: `${method} must be called with POST` },
      });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host?.toLowerCase()}`) {
      return sendJson(response, 403, {
        ok: false,
        error: { name: 'MilensError', code: 'FORBIDDEN', message: `Cross-origin call refused (Origin ${origin})` },
      });
    }
    const body = await readBody(request, MAXIMUM_BODY_BYTES);
    if (body === 'too-large') {
      response.setHeader('Connection', 'close');
      return sendJson(response, 413, {
        ok: false,
        error: { name: 'MilensError', code: 'INVALID_ARGUMENT', message: `Request body larger than ${MAXIMUM_BODY_BYTES} bytes` },
      });
    }
    let args: unknown = [];
    if (body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return sendJson(response, 400, {
          ok: false,
          error: { name: 'MilensError', code: 'INVALID_ARGUMENT', message: 'Request body is not valid JSON' },
        });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return sendJson(response, 400, {
          ok: false,
          error: {
            name: 'MilensError',
            code: 'INVALID_ARGUMENT',
            message: 'Expected the request body to be a JSON object {"args": [...]}',
          },
        });
      }
      args = (parsed as { args?: unknown }).args ?? [];
    }
    const reply = await dispatchApiCall(options.api, method, args);
    sendJson(response, reply.ok ? 200 : httpStatusFor(reply.error.code), reply);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Not listening (the port is taken, say): let go of the event subscriptions, so a retry starts clean.
    hub.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  allowedHosts = allowedHostHeaders(address.address, address.port);
  cookieName = staticCookieName(address.port);
  listeningPort = address.port;
  // A wildcard address is reached through loopback; anything else through itself.
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const origin = `http://${wildcard ? '127.0.0.1' : formatHostName(address.address)}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    host: address.address,
    port: address.port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        // Keep-alive sockets of a browser would hold the server open for minutes otherwise.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}

function readBody(request: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      request.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping the data but drain it, so that the 413 still reaches the client.
        request.removeAllListeners('data');
        request.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(text);
}

/** Never log a token: drop the query string. */
function stripQuery(url: string | undefined): string {
  return (url ?? '').split('?')[0];
}

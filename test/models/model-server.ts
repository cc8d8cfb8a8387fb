// A real HTTP server on 127.0.0.1 (port 0) that serves model files the way a hub or mirror does: Range
// requests answered with 206, redirects, 404, and switches to misbehave (ignore Range, answer 416, cut the
// connection after some bytes). It records every request so tests can assert what the downloader asked for.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export interface ModelServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Bytes served at each path; tests may add or replace entries. */
  files: Map<string, Buffer>;
  /** Path → path answered with a 302 redirect. */
  redirects: Map<string, string>;
  requests: RecordedRequest[];
  /** Answer every request with the whole file (200), as a server without Range support does. */
  ignoreRange: boolean;
  /** Answer every Range request with 416 Range Not Satisfiable. */
  refuseRanges: boolean;
  /** Destroy the connection of the next file response after this many body bytes (then reset to null). */
  cutNextAfter: number | null;
  /** Answer the next file request with this status and no body, as an overloaded server does (then reset to null). */
  failNextWith: number | null;
  close(): Promise<void>;
}

/** Deterministic pseudo-random bytes (so that a resumed file cannot be right by accident). */
export function generatedBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(`seed-${seed}`).digest();
  for (let offset = 0; offset < length; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, length - offset));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function startModelServer(): Promise<ModelServer> {
  const state: Omit<ModelServer, 'origin' | 'close'> = {
    files: new Map(),
    redirects: new Map(),
    requests: [],
    ignoreRange: false,
    refuseRanges: false,
    cutNextAfter: null,
    failNextWith: null,
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const range = request.headers.range;
    const record = (status: number) => state.requests.push({ path: url.pathname, range, status });

    const target = state.redirects.get(url.pathname);
    if (target) {
      record(302);
      response.writeHead(302, { Location: target }).end();
      return;
    }
    const body = state.files.get(url.pathname);
    if (!body) {
      record(404);
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }

    if (state.failNextWith !== null) {
      record(state.failNextWith);
      response.writeHead(state.failNextWith).end();
      state.failNextWith = null;
      return;
    }
    let start = 0;
    let status = 200;
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    if (match && !state.ignoreRange) {
      start = Number(match[1]);
      if (state.refuseRanges || start >= body.length) {
        record(416);
        response.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
    }
    record(status);
    const slice = body.subarray(start);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': slice.length,
      'Accept-Ranges': 'bytes',
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    response.writeHead(status, headers);

    const cut = state.cutNextAfter;
    if (cut !== null) {
      state.cutNextAfter = null;
      response.write(slice.subarray(0, cut), () => {
        // Give the bytes time to leave before the connection drops, as a real network failure would.
        setTimeout(() => response.socket?.destroy(), 20);
      });
      return;
    }
    response.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

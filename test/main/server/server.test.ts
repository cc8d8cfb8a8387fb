// The serve shell against a real core on a temporary database: the token and Host checks, the API
// round trip, status codes, server-sent events and the static renderer.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS, type BackendsReport } from '../../../main/api/contract.js';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { startServer, MAXIMUM_BODY_BYTES, type RunningServer } from '../../../main/server/server.js';
import { callApi, rawRequest } from './http-helpers.js';

let folder: string;
let core: MilensCore;
let server: RunningServer;
let port: number;
let token: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-serve-'));
  const renderer = path.join(folder, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(
    path.join(renderer, 'index.html'),
    '<!doctype html><title>milens</title><script type="module" src="./assets/app.js"></script>',
  );
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("milens");');
  writeFileSync(path.join(folder, 'secret.txt'), 'outside the renderer folder');
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite'), modelsFolder: path.join(folder, 'models') });
  server = await startServer({ api: core.api, events: core.context, port: 0, rendererFolder: renderer });
  port = server.port;
  token = server.token;
});

afterAll(async () => {
  await server?.close();
  core?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('the address it listens on', () => {
  it('listens on 127.0.0.1 and prints a URL carrying a 256-bit token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
  });

  it('refuses a non-loopback address unless remote access is asked for', async () => {
    await expect(startServer({ api: core.api, events: core.context, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /Refusing to listen on 0\.0\.0\.0: it is not a loopback address/,
    );
    await expect(startServer({ api: core.api, events: core.context, host: '192.168.1.20', port: 0 })).rejects.toThrow(/--allow-remote/);
  });

  it('prints a URL that reaches the server when bound to IPv6 loopback', async (context) => {
    const v6 = await startServer({ api: core.api, events: core.context, host: '::1', port: 0 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') return undefined;
      throw error;
    });
    if (!v6) return context.skip('this machine has no IPv6 loopback');
    try {
      expect(v6.url).toBe(`http://[::1]:${v6.port}/?token=${v6.token}`);
      const response = await fetch(`http://[::1]:${v6.port}/api/listBackends`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${v6.token}` },
        body: '{"args":[]}',
      });
      expect(response.status).toBe(200);
    } finally {
      await v6.close();
    }
  });

  it('draws a fresh token for every server', async () => {
    const other = await startServer({ api: core.api, events: core.context, port: 0 });
    try {
      expect(other.token).not.toBe(token);
      expect(other.port).not.toBe(port);
    } finally {
      await other.close();
    }
  });
});

describe('the access token', () => {
  it('answers 401 to a page request without any token', async () => {
    const response = await rawRequest(port, { path: '/' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body).not.toContain('<title>milens');
  });

  it('answers 403 to a wrong token, in the query, the header or the cookie', async () => {
    expect((await rawRequest(port, { path: '/?token=wrong' })).status).toBe(403);
    expect((await rawRequest(port, { path: `/?token=${token}x` })).status).toBe(403);
    expect((await rawRequest(port, { path: '/', headers: { Authorization: 'Bearer wrong' } })).status).toBe(403);
    expect((await rawRequest(port, { path: '/', headers: { Cookie: `milens_token_${port}=wrong` } })).status).toBe(403);
  });

  it('serves the page for the token in the query and sets an HttpOnly, SameSite=Strict cookie', async () => {
    const response = await rawRequest(port, { path: `/?token=${token}` });
    expect(response.status).toBe(200);
    expect(response.body).toContain('<title>milens</title>');
    expect(response.headers['set-cookie']).toEqual([`milens_token_${port}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000`]);
  });

  it('serves assets to the cookie, which is how the browser loads scripts and styles', async () => {
    const withCookie = await rawRequest(port, { path: '/assets/app.js', headers: { Cookie: `other=1; milens_token_${port}=${token}` } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await rawRequest(port, { path: '/assets/app.js' })).status).toBe(401);
  });

  it('accepts API calls only with the token in an Authorization header', async () => {
    const noToken = await rawRequest(port, { method: 'POST', path: '/api/listBackends', body: '{"args":[]}' });
    expect(noToken.status).toBe(401);
    expect(JSON.parse(noToken.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

    // A query token or a cookie would let another page on this machine make the browser call the API.
    const queryToken = await rawRequest(port, { method: 'POST', path: `/api/listBackends?token=${token}`, body: '{"args":[]}' });
    expect(queryToken.status).toBe(401);
    expect(JSON.parse(queryToken.body).error.message).toMatch(/Authorization: Bearer/);
    const cookieToken = await rawRequest(port, {
      method: 'POST',
      path: '/api/listBackends',
      headers: { Cookie: `milens_token_${port}=${token}` },
      body: '{}',
    });
    expect(cookieToken.status).toBe(401);

    expect((await callApi(port, 'wrong', 'listBackends')).status).toBe(403);
    expect((await callApi(port, token, 'listBackends')).status).toBe(200);
  });
});

describe('the Host header (DNS rebinding)', () => {
  it('refuses a foreign host even with the right token', async () => {
    const page = await rawRequest(port, { path: `/?token=${token}`, headers: { Host: 'evil.example' } });
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/Host header/);
    const api = await callApi(port, token, 'listBackends', [], { Host: `evil.example:${port}` });
    expect(api.status).toBe(403);
    expect(api.body).not.toContain('backends');
  });

  it('refuses the right name on another port, and accepts localhost', async () => {
    expect((await callApi(port, token, 'listBackends', [], { Host: `127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await callApi(port, token, 'listBackends', [], { Host: `localhost:${port}` })).status).toBe(200);
  });

  it('refuses a request without a Host header', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, path: '/', method: 'GET', setHost: false, headers: { Authorization: `Bearer ${token}` } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end();
    });
    // Node's parser already answers 400 to an HTTP/1.1 request without Host; the server's own check 403.
    expect([400, 403]).toContain(status);
  });
});

describe('the API', () => {
  it('answers listBackends with the same report as the core', async () => {
    const response = await callApi(port, token, 'listBackends');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const reply = JSON.parse(response.body) as { ok: true; value: BackendsReport };
    expect(reply.ok).toBe(true);
    expect(reply.value).toEqual(JSON.parse(JSON.stringify(await core.api.listBackends())));
    const names = reply.value.backends.map((backend) => backend.name);
    expect(names).toContain('typescript');
    expect(names).toContain('cpu');
    expect(reply.value.backends.find((backend) => backend.name === 'typescript')?.available).toBe(true);
  });

  it('answers doctor with the temporary database', async () => {
    const reply = JSON.parse((await callApi(port, token, 'doctor')).body);
    expect(reply.ok).toBe(true);
    expect(reply.value.database.path).toBe(path.join(folder, 'milens.sqlite'));
  });

  it('routes every method of the contract (none answers 404)', async () => {
    for (const method of API_METHODS) {
      const response = await callApi(port, token, method, method === 'listBackends' || method === 'doctor' ? [] : [null]);
      expect(response.status, method).not.toBe(404);
      expect(JSON.parse(response.body), method).toHaveProperty('ok');
    }
  });

  it('answers 404 to an unknown method and to names outside the contract', async () => {
    for (const method of ['noSuchMethod', 'constructor', 'toString', '__proto__', 'listBackends/extra']) {
      const response = await callApi(port, token, method);
      expect(response.status, method).toBe(404);
      expect(JSON.parse(response.body), method).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('maps argument errors to 400 and names the problem', async () => {
    const extra = await callApi(port, token, 'listBackends', [1]);
    expect(extra.status).toBe(400);
    expect(JSON.parse(extra.body).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'listBackends takes at most 0 argument(s) but received 1',
    });

    const notJson = await rawRequest(port, {
      method: 'POST',
      path: '/api/listBackends',
      headers: { Authorization: `Bearer ${token}` },
      body: '{args',
    });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toBe('Request body is not valid JSON');

    const argsNotArray = await rawRequest(port, {
      method: 'POST',
      path: '/api/listBackends',
      headers: { Authorization: `Bearer ${token}` },
      body: '{"args":"x"}',
    });
    expect(argsNotArray.status).toBe(400);
    expect(JSON.parse(argsNotArray.body).error.message).toMatch(/Expected args of listBackends to be an array/);
  });

  it('treats an empty body as no arguments', async () => {
    const response = await rawRequest(port, { method: 'POST', path: '/api/listBackends', headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await callApi(port, token, 'search', ['x'.repeat(MAXIMUM_BODY_BYTES)]);
    expect(response.status).toBe(413);
  });

  it('refuses GET on a method and calls from another origin', async () => {
    const get = await rawRequest(port, { path: '/api/listBackends', headers: { Authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const crossOrigin = await callApi(port, token, 'listBackends', [], { Origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    const sameOrigin = await callApi(port, token, 'listBackends', [], { Origin: `http://127.0.0.1:${port}` });
    expect(sameOrigin.status).toBe(200);
  });

  it('grants no CORS: preflights are refused and no Access-Control header is ever sent', async () => {
    const preflight = await rawRequest(port, {
      method: 'OPTIONS',
      path: '/api/listBackends',
      headers: {
        Origin: 'http://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(401);
    for (const response of [preflight, await callApi(port, token, 'listBackends')]) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });
});

describe('server-sent events', () => {
  function openEvents(
    headers: Record<string, string>,
  ): Promise<{ status: number; contentType?: string; firstEvent: Promise<string>; close: () => void }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}`, ...headers } },
        (response) => {
          let text = '';
          const firstEvent = new Promise<string>((resolveEvent) => {
            response.on('data', (chunk: Buffer) => {
              text += chunk.toString('utf8');
              const match = /event: \w+\ndata: .*\n\n/.exec(text);
              if (match) resolveEvent(match[0]);
            });
          });
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            firstEvent,
            close: () => request.destroy(),
          });
        },
      );
      request.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
      });
      request.end();
    });
  }

  it('requires the token', async () => {
    const withoutToken = await openEvents({});
    expect(withoutToken.status).toBe(401);
    withoutToken.close();
    const wrongToken = await openEvents({ Authorization: 'Bearer wrong' });
    expect(wrongToken.status).toBe(403);
    wrongToken.close();
    const queryToken = await rawRequest(port, { path: `/api/events?token=${token}` });
    expect(queryToken.status).toBe(401);
  });

  it('forwards the core events to a connected page', async () => {
    const stream = await openEvents({ Authorization: `Bearer ${token}` });
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
      // Give the hub a moment to register the client before the core emits.
      await new Promise((resolve) => setTimeout(resolve, 50));
      core.context.emit('indexProgress', { collectionId: 7, path: '/documents', processed: 3, total: 10 });
      const event = await stream.firstEvent;
      expect(event).toBe('event: indexProgress\ndata: {"collectionId":7,"path":"/documents","processed":3,"total":10}\n\n');
    } finally {
      stream.close();
    }
  });
});

describe('the page and its files', () => {
  it('sends a strict Content-Security-Policy and no-store with the page', async () => {
    const response = await rawRequest(port, { path: '/', headers: { Authorization: `Bearer ${token}` } });
    const policy = response.headers['content-security-policy'];
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves the page for client-side routes and 404 for missing assets', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    expect((await rawRequest(port, { path: '/search', headers: auth })).body).toContain('<title>milens</title>');
    expect((await rawRequest(port, { path: '/assets/missing.js', headers: auth })).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    for (const attempt of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
    ]) {
      const response = await rawRequest(port, { path: attempt, headers: auth });
      expect(response.body, attempt).not.toContain('outside the renderer folder');
    }
  });

  it('refuses methods other than GET and HEAD on pages', async () => {
    const response = await rawRequest(port, { method: 'PUT', path: '/', headers: { Authorization: `Bearer ${token}` }, body: 'x' });
    expect(response.status).toBe(405);
  });
});

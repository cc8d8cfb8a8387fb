// The serve shell's static-file cookie over real HTTP: it holds a random secret of its own, never the API
// token (cookies are shared by every port of 127.0.0.1, so another local server the browser visits sees
// them); that secret unlocks the page's scripts and styles and nothing else: not the API, neither as a
// cookie nor as a bearer token, and not another server's files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMilensCore, type MilensCore } from '../../../main/core/api.js';
import { startServer, type RunningServer } from '../../../main/server/server.js';
import { callApi, rawRequest } from './http-helpers.js';

let folder: string;
let core: MilensCore;
let first: RunningServer;
let second: RunningServer;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-cookie-'));
  const renderer = path.join(folder, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>milens</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("milens");');
  core = createMilensCore({ databasePath: path.join(folder, 'milens.sqlite'), modelsFolder: path.join(folder, 'models') });
  first = await startServer({ api: core.api, events: core.context, port: 0, rendererFolder: renderer });
  second = await startServer({ api: core.api, events: core.context, port: 0, rendererFolder: renderer });
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  core?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The cookie the page answer sets, as the browser sends it back ("name=value"). */
async function pageCookie(server: RunningServer): Promise<{ pair: string; name: string; value: string }> {
  const response = await rawRequest(server.port, { path: `/?token=${server.token}` });
  expect(response.status).toBe(200);
  const pair = response.headers['set-cookie']![0]!.split(';')[0]!;
  const [name, value] = pair.split('=') as [string, string];
  return { pair, name, value };
}

describe('the static-file cookie', () => {
  it('holds its own random secret, never the API token, different on each server', async () => {
    const cookie = await pageCookie(first);
    expect(cookie.name).toBe(`milens_static_${first.port}`);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.value).not.toBe(first.token);
    expect((await pageCookie(first)).value).toBe(cookie.value); // the same secret for the server's life
    expect((await pageCookie(second)).value).not.toBe(cookie.value);
  });

  it('unlocks the static files', async () => {
    const { pair } = await pageCookie(first);
    const asset = await rawRequest(first.port, { path: '/assets/app.js', headers: { Cookie: pair } });
    expect(asset.status).toBe(200);
    expect(asset.body).toContain('milens');
  });

  it('never unlocks the API, as a cookie or as a bearer token', async () => {
    const { pair, value } = await pageCookie(first);
    const asCookie = await rawRequest(first.port, {
      method: 'POST',
      path: '/api/listBackends',
      headers: { Cookie: pair },
      body: '{"args":[]}',
    });
    expect(asCookie.status).toBe(401);
    expect((await callApi(first.port, value, 'listBackends')).status).toBe(403);
    expect((await callApi(first.port, first.token, 'listBackends')).status).toBe(200);
  });

  it('is refused by another server, and the API token is refused as a cookie', async () => {
    const { value } = await pageCookie(first);
    const elsewhere = await rawRequest(second.port, {
      path: '/assets/app.js',
      headers: { Cookie: `milens_static_${second.port}=${value}` },
    });
    expect(elsewhere.status).toBe(403);
    const tokenAsCookie = await rawRequest(first.port, {
      path: '/assets/app.js',
      headers: { Cookie: `milens_static_${first.port}=${first.token}` },
    });
    expect(tokenAsCookie.status).toBe(403);
  });
});

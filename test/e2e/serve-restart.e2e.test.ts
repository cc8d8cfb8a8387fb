// Bookmarks survive a restart of `milens serve` without a fixed --port: two real serve processes (the built
// CLI) started one after the other on the same data folder listen on the same port with the same token, so
// the printed address of the first opens the second's page (in Chromium too, where it is installed); the
// port is kept in `serve-port` beside `serve-token`, readable by its owner only, and so is the static-file
// cookie's secret (`serve-cookie-secret`), so a page already open, or bookmarked as its address bar shows it
// (the page removes the token from it), reloads after the restart too. When another program holds
// that port, serve says so in words and falls back to a new free port, which it keeps from then on; an
// explicit --port 0 still picks a new one without trying the remembered port; a port file without a port is ignored.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openAppInChromium } from './chromium.js';
import { missingBuild, startServeProcess, type ServeProcess } from './serve-process.js';

describe('milens serve keeps its address per data folder', () => {
  let folder: string;
  let databasePath: string;
  const running: ServeProcess[] = [];

  async function start(port: number | 'remembered' = 'remembered'): Promise<ServeProcess> {
    const serve = await startServeProcess(databasePath, folder, { port, args: ['--no-watch'] });
    running.push(serve);
    return serve;
  }

  async function stop(serve: ServeProcess): Promise<void> {
    running.splice(running.indexOf(serve), 1);
    expect(await serve.stop(), serve.stderr()).toBe(0);
  }

  const portFile = () => path.join(folder, 'serve-port');
  const rememberedPort = () => Number(readFileSync(portFile(), 'utf8').trim());

  beforeAll(() => {
    const buildProblem = missingBuild();
    if (buildProblem) throw new Error(buildProblem);
    folder = mkdtempSync(path.join(os.tmpdir(), 'milens-e2e-restart-'));
    databasePath = path.join(folder, 'milens.sqlite');
  });

  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop();
  });

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('listens on the same port with the same token after a restart, so the printed address still opens', async () => {
    const first = await start();
    expect((await fetch(first.url)).status).toBe(200);
    expect(rememberedPort()).toBe(first.port);
    expect(statSync(portFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(folder, 'serve-token')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(folder, 'serve-cookie-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(folder, 'serve-cookie-secret'), 'utf8').trim()).not.toBe(first.token);
    await stop(first);

    const second = await start();
    expect(second.url).toBe(first.url);
    expect(second.port).toBe(first.port);
    const page = await fetch(first.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>milens<\/title>/i);
    const api = await fetch(`${second.origin}/api/listCollections`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${first.token}` },
      body: '{"args":[]}',
    });
    expect(api.status).toBe(200);
  });

  it.skipIf(chromiumMissing)(
    `reloads the open page and opens the first run's address in Chromium after the restart${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
    async () => {
      const first = await start();
      const { browser, page, shell } = await openAppInChromium(first.url);
      try {
        await shell.goTo('Collections');
        await stop(first);
        const second = await start();
        expect(second.port).toBe(first.port);
        // The page as it was open (its address no longer holds the token): a reload works, API calls included.
        expect(page.url()).toBe(`${first.origin}/#/collections`);
        expect((await page.reload())?.status()).toBe(200);
        await page.getByRole('heading', { level: 1, name: 'Collections' }).waitFor();
        await page.getByRole('heading', { name: 'No folders yet' }).waitFor();
        // The bookmark as milens printed it, in the same browser.
        await shell.open(first.url);
        await shell.goTo('Settings');
        expect(await shell.currentView()).toBe('Settings');
        expect(shell.problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('falls back to a new port, in words, when another program holds the remembered one, and keeps the new one', async () => {
    const first = await start();
    const oldPort = first.port;
    await stop(first);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(oldPort, '127.0.0.1', resolve));
    try {
      const second = await start();
      expect(second.port).not.toBe(oldPort);
      expect(second.token).toBe(first.token);
      expect((await fetch(second.url)).status).toBe(200);
      expect(second.stderr()).toContain(
        `milens: port ${oldPort}, used last time for this data folder, is taken by another program; serving on port ${second.port} instead`,
      );
      expect(rememberedPort()).toBe(second.port);
      await stop(second);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    const third = await start();
    expect(third.port).toBe(rememberedPort());
    expect(third.port).not.toBe(oldPort);
  });

  it('still picks a new free port with an explicit --port 0, without trying the remembered one', async () => {
    // The remembered port is held by another listener: trying it would print the fallback message.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const heldPort = (blocker.address() as net.AddressInfo).port;
    writeFileSync(portFile(), `${heldPort}\n`);
    try {
      const fresh = await start(0);
      expect(fresh.port).not.toBe(heldPort);
      expect(fresh.stderr()).not.toContain('used last time');
      expect(rememberedPort()).toBe(fresh.port);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('ignores a port file that holds no port', async () => {
    writeFileSync(portFile(), 'not a port\n');
    const serve = await start();
    expect((await fetch(serve.url)).status).toBe(200);
    expect(rememberedPort()).toBe(serve.port);
  });
});

// Background re-indexing in the serve shell, started through startServeShell exactly as `milens serve`
// does: a file written into an indexed folder becomes searchable over the HTTP API without any index
// call, with indexProgress / indexFinished events on the event stream; `watch: false` (`--no-watch`)
// starts no watcher; closing stops the watcher before the core. The CLI flag reaches the shell.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IndexFinishedEvent, SearchResponse } from '../../../main/api/contract.js';
import { createMilensCore } from '../../../main/core/api.js';
import { collectionWatcherRunning } from '../../../main/core/collection-calls.js';
import { runCli } from '../../../main/cli/milens.js';
import { startServeShell, type ServeShell } from '../../../main/server/serve-shell.js';
import { callApi } from './http-helpers.js';

const POLL_TIMEOUT_MS = 15_000;

/** Calls `attempt` until `done` accepts its value, or fails after the timeout with the last value seen. */
async function pollUntil<T>(what: string, attempt: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  let last: T;
  for (;;) {
    last = await attempt();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${POLL_TIMEOUT_MS} ms; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

interface EventLog {
  events: Array<{ event: string; data: unknown }>;
  /** Resolves once the server has registered the connection (its response has begun). */
  connected: Promise<void>;
  close(): void;
}

/** Collects the server-sent events of one connection. */
function followEvents(port: number, token: string): EventLog {
  const events: Array<{ event: string; data: unknown }> = [];
  let buffer = '';
  let markConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const request = http.get({
    host: '127.0.0.1',
    port,
    path: '/api/events',
    headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` },
  });
  request.on('response', (response) => {
    expect(response.statusCode).toBe(200);
    markConnected();
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    });
  });
  request.on('error', () => {});
  return { events, connected, close: () => request.destroy() };
}

function makeFolder(prefix: string): { root: string; documents: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const documents = path.join(root, 'documents');
  mkdirSync(documents);
  writeFileSync(path.join(documents, 'bread.txt'), 'Bread needs flour, water, salt and yeast. Knead it for ten minutes.\n');
  writeFileSync(path.join(documents, 'garden.md'), '# Gardening\nTomatoes need sun, water and patience; prune them weekly.\n');
  return { root, documents };
}

describe('the serve shell with the collection watcher', () => {
  let root: string;
  let documents: string;
  let shell: ServeShell;

  beforeAll(async () => {
    ({ root, documents } = makeFolder('milens-serve-watch-'));
    const databasePath = path.join(root, 'milens.sqlite');
    // The collection exists and is indexed before the app starts, as after an earlier session.
    const setup = createMilensCore({ databasePath, modelsFolder: path.join(root, 'models') });
    await setup.api.indexCollection(documents);
    setup.close();

    shell = await startServeShell({
      core: createMilensCore({ databasePath, modelsFolder: path.join(root, 'models') }),
      port: 0,
      rendererFolder: path.join(root, 'no-renderer'),
      watchDebounceMs: 200,
    });
    await shell.watcherReady;
  });

  afterAll(async () => {
    await shell?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('finds a file written into the folder without any index call', async () => {
    const { port, token } = shell.server;
    const stream = followEvents(port, token);
    await stream.connected;
    try {
      const search = async () => {
        const reply = await callApi(port, token, 'search', [{ query: 'photosynthesis chlorophyll' }]);
        expect(reply.status).toBe(200);
        return (JSON.parse(reply.body) as { value: SearchResponse }).value;
      };
      expect((await search()).results).toEqual([]);

      writeFileSync(path.join(documents, 'leaves.md'), '# Leaves\nPhotosynthesis in chlorophyll turns light, water and air into sugar.\n');

      const found = await pollUntil('the new file in the search results', search, (response) => response.results.length > 0);
      expect(found.results[0]).toMatchObject({ path: path.join(documents, 'leaves.md'), title: 'Leaves' });

      const collections = await callApi(port, token, 'listCollections');
      expect(JSON.parse(collections.body)).toMatchObject({ ok: true, value: [{ path: documents, documentCount: 3 }] });

      // The page learns of it through the event stream: progress, then a finished run by the watcher.
      const finished = await pollUntil(
        'an indexFinished event with the new file',
        async () => stream.events.filter((event) => event.event === 'indexFinished').map((event) => event.data as IndexFinishedEvent),
        (events) => events.some((event) => event.ok && event.added === 1),
      );
      expect(finished.find((event) => event.ok && event.added === 1)).toMatchObject({
        trigger: 'watch',
        ok: true,
        path: documents,
        documentCount: 3,
        added: 1,
      });
      expect(stream.events.some((event) => event.event === 'indexProgress')).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('marks a run asked for through the API as such', async () => {
    const { port, token } = shell.server;
    const stream = followEvents(port, token);
    await stream.connected;
    try {
      const reply = await callApi(port, token, 'indexCollection', [documents]);
      expect(reply.status).toBe(200);
      const events = await pollUntil(
        'an indexFinished event of the called run',
        async () => stream.events.filter((event) => event.event === 'indexFinished').map((event) => event.data as IndexFinishedEvent),
        (seen) => seen.some((event) => event.trigger === 'call'),
      );
      expect(events.find((event) => event.trigger === 'call')).toMatchObject({ ok: true, unchanged: 3, added: 0, documentCount: 3 });
    } finally {
      stream.close();
    }
  });

  it('stops the watcher when it closes, before closing the core', async () => {
    expect(shell.watching).toBe(true);
    expect(collectionWatcherRunning(shell.core.context)).toBe(true);
    await shell.close();
    expect(collectionWatcherRunning(shell.core.context)).toBe(false);
    expect(shell.core.context.databaseOpened).toBe(false);
  });
});

describe('the serve shell with watch: false (--no-watch)', () => {
  it('starts no watcher', async () => {
    const { root } = makeFolder('milens-serve-nowatch-');
    try {
      const shell = await startServeShell({
        core: createMilensCore({ databasePath: path.join(root, 'milens.sqlite'), modelsFolder: path.join(root, 'models') }),
        port: 0,
        rendererFolder: path.join(root, 'no-renderer'),
        watch: false,
      });
      expect(shell.watching).toBe(false);
      expect(collectionWatcherRunning(shell.core.context)).toBe(false);
      await shell.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('milens serve --no-watch', () => {
  let root: string;
  let stdout: string;

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  async function serveAndStop(extra: string[]): Promise<{ code: number; announced: { watching: boolean; port: number } }> {
    root = mkdtempSync(path.join(os.tmpdir(), 'milens-serve-flag-'));
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const running = runCli(['serve', '--port', '0', '--json', '--db', path.join(root, 'db.sqlite'), ...extra]);
    const line = await pollUntil(
      'the JSON line of milens serve',
      async () => stdout,
      (text) => text.includes('\n'),
    );
    const announced = JSON.parse(line.slice(0, line.indexOf('\n'))) as { watching: boolean; port: number };
    // What Ctrl+C does, without signalling the test runner itself: the command's SIGINT listener runs.
    process.emit('SIGINT');
    return { code: await running, announced };
  }

  it('serves without watching the folders', async () => {
    const { code, announced } = await serveAndStop(['--no-watch']);
    expect(announced.watching).toBe(false);
    expect(announced.port).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  it('watches the folders by default', async () => {
    const { code, announced } = await serveAndStop([]);
    expect(announced.watching).toBe(true);
    expect(code).toBe(0);
  });
});

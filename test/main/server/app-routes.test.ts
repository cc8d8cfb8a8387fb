// The serve shell's app routes on a real server and database: the token kept per data folder across
// restarts, the readable page for a missing or wrong token, and /files/<itemId> serving only indexed files.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMilensCore } from '../../../main/core/api.js';
import { startServeShell } from '../../../main/server/serve-shell.js';
import { persistentAccessToken, TOKEN_FILE_NAME } from '../../../main/server/token-store.js';
import { makeTempFolder } from '../../helpers/temp.js';

describe('persistentAccessToken', () => {
  it('keeps one token per data folder, readable by its owner only, and replaces a malformed one', () => {
    const folder = makeTempFolder();
    const first = persistentAccessToken(folder);
    expect(persistentAccessToken(folder)).toBe(first);
    expect(persistentAccessToken(makeTempFolder())).not.toBe(first);
    if (process.platform !== 'win32') expect(statSync(path.join(folder, TOKEN_FILE_NAME)).mode & 0o777).toBe(0o600);
    writeFileSync(path.join(folder, TOKEN_FILE_NAME), 'short\n');
    const replaced = persistentAccessToken(folder);
    expect(replaced).not.toBe('short');
    expect(readFileSync(path.join(folder, TOKEN_FILE_NAME), 'utf8').trim()).toBe(replaced);
  });
});

describe('serve shell routes of the app', () => {
  it('keeps its token across restarts, explains a missing token, and serves indexed files only', async () => {
    const folder = makeTempFolder();
    const notes = path.join(folder, 'notes');
    mkdirSync(notes);
    writeFileSync(path.join(notes, 'page.html'), '<script>alert(1)</script><p>entropy of sources</p>\n');
    writeFileSync(path.join(notes, 'plain.txt'), 'tomatoes in plain words\n');
    writeFileSync(path.join(notes, 'other.txt'), 'bread needs flour and water\n');
    const databasePath = path.join(folder, 'db.sqlite');
    const first = await startServeShell({ core: createMilensCore({ databasePath }), watch: false });
    const token = first.server.token;
    let itemIds: number[];
    try {
      await first.core.api.indexCollection(notes);
      itemIds = [];
      for (const query of ['entropy', 'tomatoes'])
        itemIds.push(...(await first.core.api.search({ query })).results.map((result) => result.itemId!));
      expect(itemIds).toHaveLength(2);
      const origin = first.server.origin;
      const auth = { Authorization: `Bearer ${token}` };

      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(401);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('This address needs its access token');
      const wrong = await fetch(`${origin}/?token=wrong`);
      expect(wrong.status).toBe(403);

      for (const itemId of itemIds) {
        const file = await fetch(`${origin}/files/${itemId}`, { headers: auth });
        expect(file.status).toBe(200);
        expect(file.headers.get('content-security-policy')).toMatch(/^sandbox/);
        // HTML is never rendered in the app's origin.
        expect(file.headers.get('content-type')).toMatch(/^text\/plain/);
      }
      const download = await fetch(`${origin}/files/${itemIds[0]}?download=1`, { headers: auth });
      expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
      // An id no item has (the third note is indexed too, and the workers' finishing order decides which
      // note gets which id, so "the largest found + 1" could be it).
      expect((await fetch(`${origin}/files/999999`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${origin}/files/../db.sqlite`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${origin}/files/${itemIds[0]}`)).status).toBe(401);
    } finally {
      await first.close();
    }
    const second = await startServeShell({ core: createMilensCore({ databasePath }), watch: false });
    try {
      expect(second.server.token).toBe(token);
    } finally {
      await second.close();
    }
  });
});

// Crash safety of photo indexing with a real process: `milens index` (the built CLI, its worker pool and
// the TEST model installed the way a user would) is killed with SIGKILL once its first batch of photos
// is visible to another connection. Every photo committed must be whole (document, photo row,
// thumbnails), and the next run must finish the job without duplicates and give every photo a vector.
// Requires `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../db/database.js';
import { PhotosRepository } from '../../../../db/repositories/photos-repository.js';
import { ThumbnailCache } from '../../../../main/ingest/images/thumbnail-cache.js';
import { importModel } from '../../../../models/import.js';
import { validateManifest } from '../../../../models/manifest.js';
import { MILENS_BIN, REPO_ROOT, runMilens } from '../../../helpers/cli.js';
import { makeTempFolder } from '../../../helpers/temp.js';
// @ts-expect-error: plain JavaScript script shared with `npm run make:test-model`
import { makeTestModel } from '../../../../scripts/make-test-model.mjs';

const PHOTOS = 600;

async function writePhotos(folder: string): Promise<void> {
  for (let index = 0; index < PHOTOS; index++) {
    const sub = path.join(folder, `roll${index % 10}`);
    mkdirSync(sub, { recursive: true });
    const background = { r: (index * 37) % 256, g: (index * 91) % 256, b: (index * 53) % 256 };
    await sharp({ create: { width: 160, height: 120, channels: 3, background } })
      .jpeg({ quality: 80 })
      .toFile(path.join(sub, `frame${index}.jpg`));
  }
}

function photoDocumentCount(file: string): number {
  if (!existsSync(`${file}-wal`)) return 0;
  try {
    const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 1000 });
    try {
      return db.prepare("SELECT COUNT(*) FROM documents WHERE kind = 'image'").pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('photo indexing survives kill -9', () => {
  it('keeps whole photos, and the next run completes without duplicates and with every vector', async () => {
    const root = makeTempFolder();
    const folder = path.join(root, 'photos');
    const home = path.join(root, 'home');
    const dbFile = path.join(root, 'milens.sqlite');
    await writePhotos(folder);
    const { manifestPath } = makeTestModel(path.join(root, 'model')) as { manifestPath: string };
    const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
    await importModel({ modelsFolder: path.join(home, 'models'), model: manifest[0], sources: [path.join(root, 'model')] });
    const env = { MILENS_HOME: home, MILENS_MODEL_MANIFEST: manifestPath };

    const child = spawn(process.execPath, [MILENS_BIN, 'index', folder, '--db', dbFile, '--json'], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let committedBeforeKill = 0;
    while (committedBeforeKill === 0 && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      committedBeforeKill = photoDocumentCount(dbFile);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(committedBeforeKill, 'the child finished before it could be killed; make the folder larger').toBeGreaterThan(0);

    const afterKill = openDatabase(dbFile);
    const survived = afterKill.prepare("SELECT COUNT(*) FROM documents WHERE kind = 'image'").pluck().get() as number;
    expect(survived).toBeGreaterThanOrEqual(committedBeforeKill);
    expect(survived).toBeLessThan(PHOTOS);
    // No half-written photo: every image document has its photo row, and every photo row its document.
    expect(afterKill.prepare('SELECT COUNT(*) FROM photos').pluck().get()).toBe(survived);
    const thumbnails = new ThumbnailCache(path.join(root, 'thumbnails'));
    for (const item of new PhotosRepository(afterKill).list()) expect(await thumbnails.has(item.contentHash), item.path).toBe(true);
    expect(afterKill.pragma('integrity_check', { simple: true })).toBe('ok');
    afterKill.close();

    const rerun = await runMilens(['index', folder, '--db', dbFile, '--json'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as {
      added: number;
      unchanged: number;
      updated: number;
      removed: number;
      photos: Record<string, unknown>;
    };
    expect(report.added).toBe(PHOTOS - survived);
    expect(report.added + report.unchanged).toBe(PHOTOS);
    expect(report.updated + report.removed).toBe(0);
    expect(report.photos).toMatchObject({ modelId: 'test-colour-clip', withoutVector: 0 });

    const finished = openDatabase(dbFile);
    expect(finished.prepare('SELECT COUNT(*), COUNT(DISTINCT path) FROM documents').raw().get()).toEqual([PHOTOS, PHOTOS]);
    expect(finished.prepare('SELECT COUNT(*) FROM photos').pluck().get()).toBe(PHOTOS);
    expect(finished.prepare("SELECT COUNT(*) FROM image_embeddings WHERE model_id = 'test-colour-clip'").pluck().get()).toBe(
      finished.prepare('SELECT COUNT(DISTINCT content_hash) FROM documents').pluck().get(),
    );
    finished.close();
  });
});

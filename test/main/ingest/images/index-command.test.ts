// `milens index` (the built CLI) on a folder of photos: the photo counts, the model line and the skip
// reasons in its text output, and `photos` in its JSON. Requires `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runMilens } from '../../../helpers/cli.js';
import { makeTempFolder } from '../../../helpers/temp.js';

describe('milens index with photos', () => {
  it('reports photos added and skipped with reasons, and that no model is installed', async () => {
    const root = makeTempFolder();
    const folder = path.join(root, 'holiday');
    mkdirSync(folder);
    await sharp({ create: { width: 80, height: 60, channels: 3, background: '#996633' } }).toFile(path.join(folder, 'beach.jpg'));
    await sharp({ create: { width: 80, height: 60, channels: 4, background: '#33669980' } }).toFile(path.join(folder, 'sky.png'));
    writeFileSync(path.join(folder, 'broken.jpg'), Buffer.alloc(0));
    writeFileSync(path.join(folder, 'itinerary.md'), '# Itinerary\n\nFerry at nine.\n');
    const env = { MILENS_HOME: path.join(root, 'home') };
    const args = ['index', folder, '--db', path.join(root, 'milens.sqlite')];

    const text = await runMilens(args, { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('photos: 2 added, 0 updated, 0 removed, 0 unchanged, 1 skipped');
    expect(text.stdout).toContain('no image-text model installed: 2 photos indexed without vectors');
    expect(text.stdout).toMatch(/broken\.jpg\s+empty image file: the file has 0 bytes/);

    const json = await runMilens([...args, '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { unchanged: number; photos: Record<string, unknown> };
    expect(report.unchanged).toBe(3);
    expect(report.photos).toEqual({
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 2,
      skipped: 1,
      embedded: 0,
      modelCalls: 0,
      modelId: null,
      withoutVector: 2,
    });
  });
});

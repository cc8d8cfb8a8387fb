// preprocessImage against the published definition of the models' input, implemented with Pillow
// (test/models/preprocess_reference.py: exif_transpose, convert('RGB'), Image.resize bicubic/bilinear,
// centre crop, normalise), on the 125 shared photos, for CLIP ViT-B/32 (224, bicubic, CLIP mean/std) and
// MobileCLIP-S0 (256, bilinear, no normalisation). Differences are measured in 8-bit levels (|d| * std * 255).
//
// Measured here (Pillow 9.4, libvips 8.18): photos that are reduced (119 of 125 for CLIP, 116 for MobileCLIP)
// differ by 0.22 levels on average (0.59 for the worst photo), at most 12 levels at single edge pixels, from
// the two resamplers' rounding; photos that are enlarged (smaller than the input) go through Pillow's own
// algorithm (models/pillow-resample.ts) and agree to float rounding (below 2e-5 levels).
// Skips when ../shared/datasets or Python with Pillow (Debian's python3-pil) is absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MODEL_MANIFEST, findModel } from '../../models/manifest.js';
import { preprocessImage, resizeGeometry } from '../../models/preprocess.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';
import { sharedDataset } from './shared-datasets.js';

const photos = sharedDataset('photos', 'preprocess-reference');
const python = ['python3', '/usr/bin/python3'].find((candidate) => spawnSync(candidate, ['-c', 'import PIL, numpy']).status === 0);
if (!python) console.warn('preprocess-reference: skipped, no python3 with Pillow and numpy (apt-get install python3-pil)');

describe.skipIf(!photos || !python)('preprocessImage against Pillow on the shared photos', () => {
  for (const modelId of ['clip-vit-b32', 'mobileclip-s0']) {
    it(`agrees with the reference for ${modelId}`, async () => {
      const spec = findModel(MODEL_MANIFEST, modelId).inference.image.preprocess;
      const files = readdirSync(photos!)
        .filter((name) => /\.jpe?g$/i.test(name))
        .sort()
        .map((name) => path.join(photos!, name));
      const folder = makeTempFolder();
      writeFileSync(path.join(folder, 'spec.json'), JSON.stringify(spec));
      execFileSync(python!, [
        path.join(REPO_ROOT, 'test', 'models', 'preprocess_reference.py'),
        path.join(folder, 'spec.json'),
        path.join(folder, 'out.f32'),
        ...files,
      ]);
      const bytes = readFileSync(path.join(folder, 'out.f32'));
      const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const length = 3 * spec.size * spec.size;
      expect(reference.length).toBe(files.length * length);

      const reduced = { photos: 0, meanLevels: 0, worstLevels: 0, worstPhotoMean: 0 };
      const enlarged = { photos: 0, worstLevels: 0 };
      for (const [index, file] of files.entries()) {
        const tensor = await preprocessImage(file, spec);
        let sum = 0;
        let worst = 0;
        for (let i = 0; i < length; i++) {
          const levels = Math.abs(tensor[i] - reference[index * length + i]) * spec.std[Math.floor((i * 3) / length)] * 255;
          sum += levels;
          if (levels > worst) worst = levels;
        }
        const { width, height } = await sharp(file).metadata();
        const geometry = resizeGeometry(width!, height!, spec);
        if (geometry.resizedWidth > width! || geometry.resizedHeight > height!) {
          enlarged.photos++;
          enlarged.worstLevels = Math.max(enlarged.worstLevels, worst);
        } else {
          reduced.photos++;
          reduced.meanLevels += sum / length;
          reduced.worstLevels = Math.max(reduced.worstLevels, worst);
          reduced.worstPhotoMean = Math.max(reduced.worstPhotoMean, sum / length);
        }
      }
      reduced.meanLevels /= reduced.photos;
      console.log(`${modelId}: reduced ${JSON.stringify(reduced)}, enlarged ${JSON.stringify(enlarged)}`);
      expect(reduced.photos + enlarged.photos).toBe(125);
      expect(enlarged.photos).toBeGreaterThan(0);
      // Tolerances: a little above what was measured (0.22 mean, 0.59 worst photo, 12 worst pixel).
      expect(reduced.meanLevels).toBeLessThan(0.3);
      expect(reduced.worstPhotoMean).toBeLessThan(1);
      expect(reduced.worstLevels).toBeLessThanOrEqual(16);
      expect(enlarged.worstLevels).toBeLessThan(0.01);
    }, 240_000);
  }
});

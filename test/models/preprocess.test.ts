// preprocessImage on made images: EXIF orientation applied before resizing, greyscale and alpha inputs,
// raw pixels decoded elsewhere, the resize-and-crop geometry, and clear errors for bad input.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLIP_VIT_B32_INFERENCE, type ImagePreprocessSpec } from '../../models/manifest.js';
import { preprocessImage, resizeGeometry } from '../../models/preprocess.js';
import { rejection } from '../helpers/errors.js';
import { makeTempFolder } from '../helpers/temp.js';

const unit: ImagePreprocessSpec = { size: 8, resize: 'squash', interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] };

/** A 40 x 20 image: left half red, right half blue. */
function halves(): Sharp {
  const pixels = new Uint8Array(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) pixels.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  return sharp(pixels, { raw: { width: 40, height: 20, channels: 3 } });
}

/** The tensor's value at (channel, y, x). */
function at(tensor: Float32Array, size: number, channel: number, y: number, x: number): number {
  return tensor[channel * size * size + y * size + x];
}

describe('preprocessImage', () => {
  it('applies the EXIF orientation before resizing', async () => {
    // Orientation 6: the stored image must be turned 90° clockwise to be upright, so its left (red) half ends on top.
    const rotated = await halves().jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const tensor = await preprocessImage(rotated, unit);
    expect(at(tensor, 8, 0, 1, 4)).toBeGreaterThan(0.9); // top row red
    expect(at(tensor, 8, 2, 6, 4)).toBeGreaterThan(0.9); // bottom row blue
    const plain = await preprocessImage(await halves().png().toBuffer(), unit);
    expect(at(plain, 8, 0, 4, 1)).toBeCloseTo(1, 5); // without the tag: red on the left
  });

  it('resizes the shorter side and crops the centre, as the reference geometry says', async () => {
    expect(resizeGeometry(500, 375, { size: 224, resize: 'shortest-edge' })).toEqual({
      resizedWidth: 298,
      resizedHeight: 224,
      left: 37,
      top: 0,
    });
    expect(resizeGeometry(375, 500, { size: 224, resize: 'shortest-edge' })).toEqual({
      resizedWidth: 224,
      resizedHeight: 298,
      left: 0,
      top: 37,
    });
    // round((227 - 224) / 2) = round(1.5) = 2 in Python (halves to even); 225 -> round(0.5) = 0.
    expect(resizeGeometry(227 * 2, 224 * 2, { size: 224, resize: 'shortest-edge' }).left).toBe(2);
    expect(resizeGeometry(225, 224, { size: 224, resize: 'shortest-edge' }).left).toBe(0);
    // A 40 x 20 red|blue image cropped to its centre square keeps both halves, side by side.
    const tensor = await preprocessImage(await halves().png().toBuffer(), { ...unit, size: 10, resize: 'shortest-edge' });
    expect(at(tensor, 10, 0, 5, 0)).toBeCloseTo(1, 5);
    expect(at(tensor, 10, 2, 5, 9)).toBeCloseTo(1, 5);
  });

  it('normalises with the manifest mean and std, in planar RGB', async () => {
    const grey = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 255, g: 0, b: 128 } } })
      .png()
      .toBuffer();
    const spec = CLIP_VIT_B32_INFERENCE.image.preprocess;
    const tensor = await preprocessImage(grey, spec);
    expect(tensor).toHaveLength(3 * 224 * 224);
    expect(at(tensor, 224, 0, 100, 100)).toBeCloseTo((1 - spec.mean[0]) / spec.std[0], 5);
    expect(at(tensor, 224, 1, 100, 100)).toBeCloseTo((0 - spec.mean[1]) / spec.std[1], 5);
    expect(at(tensor, 224, 2, 100, 100)).toBeCloseTo((128 / 255 - spec.mean[2]) / spec.std[2], 5);
  });

  it('turns greyscale into three equal channels and drops alpha', async () => {
    const grey = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 100, g: 100, b: 100 } } })
      .toColourspace('b-w')
      .jpeg()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const tensor = await preprocessImage(grey, unit);
    for (let channel = 0; channel < 3; channel++) expect(at(tensor, 8, channel, 3, 3)).toBeCloseTo(100 / 255, 2);
    const alpha = await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    expect(at(await preprocessImage(alpha, unit), 8, 1, 3, 3)).toBeCloseTo(1, 5);
  });

  it('takes raw pixels decoded elsewhere, checking their size', async () => {
    const pixels = new Uint8Array(4 * 2 * 3).fill(51);
    const tensor = await preprocessImage({ pixels, width: 4, height: 2, channels: 3 }, unit);
    expect(at(tensor, 8, 1, 7, 7)).toBeCloseTo(0.2, 5);
    const error = await rejection(preprocessImage({ pixels, width: 5, height: 2, channels: 3 }, unit));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('needs 30 bytes, not 24');
  });

  it('names the file it cannot decode', async () => {
    const file = path.join(makeTempFolder(), 'truncated.jpg');
    const jpeg = await halves().jpeg().toBuffer();
    writeFileSync(file, jpeg.subarray(0, jpeg.length / 2));
    const error = await rejection(preprocessImage(file, unit));
    expect(error.code).toBe('UNREADABLE');
    expect(error.message).toContain(file);
    expect((await rejection(preprocessImage(Buffer.from('not an image'), unit))).code).toBe('INVALID_ARGUMENT');
  });
});

// One image through the pure image job: sniffed format, EXIF orientation applied first, metadata from
// EXIF, two WebP thumbnails and the model input from a single decode, and every guard's named reason.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, ImageSkipped, imageSkipCodeOf, type ImageSkipCode } from '../../../../main/ingest/images/guards.js';
import { processImage } from '../../../../main/ingest/images/process-image.js';
import { hasImageExtension, sniffImageFormat } from '../../../../main/ingest/images/sniff.js';
import { exifDateToIso } from '../../../../main/ingest/images/exif.js';
import { DEFAULT_MODEL_ID, MODEL_MANIFEST, findModel } from '../../../../models/manifest.js';
import {
  animated,
  cmykJpeg,
  heicFromJpeg,
  imageOf,
  meanColour,
  orientedJpegWithExif,
  pngWithClaimedSize,
  sixteenBitPng,
  twoColourImage,
} from './image-fixtures.js';

async function skipCodeOf(bytes: Uint8Array, extension = '.jpg'): Promise<ImageSkipCode | undefined> {
  try {
    await processImage({ bytes, extension });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ImageSkipped);
    expect(imageSkipCodeOf((error as Error).message)).toBe((error as ImageSkipped).code);
    return (error as ImageSkipped).code;
  }
}

describe('image sniffing', () => {
  it('reads the format from the bytes, whatever the name', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const)
      expect(sniffImageFormat(await imageOf(format))).toBe(format);
    expect(sniffImageFormat(Buffer.from('hello'))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array())).toBeUndefined();
    expect(hasImageExtension('/a/B.HEIC')).toBe(true);
    expect(hasImageExtension('/a/notes.txt')).toBe(false);
    expect(hasImageExtension('/a/.hidden.jpg')).toBe(false);
  });
});

describe('processImage', () => {
  it('applies EXIF orientation before anything else and reads date, offset, camera, lens and GPS', async () => {
    const preprocess = findModel(MODEL_MANIFEST, DEFAULT_MODEL_ID).inference.image.preprocess;
    const result = await processImage({ bytes: await orientedJpegWithExif(), modelPreprocess: preprocess });
    expect(result.metadata).toEqual({
      format: 'jpeg',
      width: 20,
      height: 40,
      takenAt: '2024-05-01T10:20:30',
      takenAtOffset: '+02:00',
      cameraMake: 'FUJIFILM',
      cameraModel: 'X100V',
      lens: 'XF23mmF2 R WR',
      latitude: 48.5,
      longitude: -2.25,
    });
    // Stored left red / right blue, shown rotated 90° clockwise: red on top, blue below.
    const large = result.thumbnails!.large;
    expect((await sharp(large).metadata()).format).toBe('webp');
    expect(await sharp(large).metadata()).toMatchObject({ width: 20, height: 40 });
    const top = await meanColour(large, { left: 2, top: 2, width: 16, height: 14 });
    const bottom = await meanColour(large, { left: 2, top: 24, width: 16, height: 14 });
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
    // The model input is the model's tensor of the oriented image: [3, size, size], planar R then G then B.
    const side = preprocess.size;
    expect(result.modelInput?.length).toBe(3 * side * side);
    const plane = side * side;
    const red = (row: number) => result.modelInput![row * side + side / 2];
    const blue = (row: number) => result.modelInput![2 * plane + row * side + side / 2];
    expect(red(4)).toBeGreaterThan(blue(4)); // top: red
    expect(blue(side - 4)).toBeGreaterThan(red(side - 4)); // bottom: blue
  });

  it('decodes every format, CMYK and 16-bit alike, to the same colours; animated files give their first frame', async () => {
    const inputs: Record<string, Buffer> = {
      jpeg: await imageOf('jpeg'),
      png: await imageOf('png'),
      webp: await imageOf('webp'),
      avif: await imageOf('avif'),
      gif: await imageOf('gif'),
      tiff: await imageOf('tiff'),
      cmyk: await cmykJpeg(),
      sixteenBit: await sixteenBitPng(),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      const result = await processImage({ bytes });
      expect(result.metadata, name).toMatchObject({ width: 40, height: 20, takenAt: null, latitude: null });
      expect(result.animated, name).toBe(false);
      const left = await meanColour(result.thumbnails!.large, { left: 2, top: 2, width: 14, height: 16 });
      expect(left[0], name).toBeGreaterThan(190);
      expect(left[2], name).toBeLessThan(70);
      expect((await sharp(result.thumbnails!.small).metadata()).width, name).toBe(40);
    }
    for (const format of ['gif', 'webp'] as const) {
      const result = await processImage({ bytes: await animated(format) });
      expect(result.animated, format).toBe(true);
      expect(result.metadata).toMatchObject({ format, width: 20, height: 10 });
      const colour = await meanColour(result.thumbnails!.large, { left: 0, top: 0, width: 20, height: 10 });
      expect(colour[0], format).toBeGreaterThan(200); // the first frame is red
    }
  });

  it('makes the small thumbnail 256 px and the large one 1024 px on their longest side', async () => {
    const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const result = await processImage({ bytes: big });
    expect(await sharp(result.thumbnails!.small).metadata()).toMatchObject({ width: 256, height: 171 });
    expect(await sharp(result.thumbnails!.large).metadata()).toMatchObject({ width: 1024, height: 683 });
    expect(result.metadata).toMatchObject({ width: 3000, height: 2000 });
  });

  it('decodes a real HEIC file made by heif-enc', async (context) => {
    const made = heicFromJpeg(await imageOf('jpeg'));
    if ('reason' in made) {
      context.skip(made.reason);
      return;
    }
    expect(sniffImageFormat(made.heic)).toBe('heic');
    const result = await processImage({ bytes: made.heic });
    expect(result.metadata).toMatchObject({ format: 'heic' });
    // x265 pads to even sizes only in the coded picture; the image itself keeps 40 × 20.
    expect([result.metadata.width, result.metadata.height]).toEqual([40, 20]);
    const left = await meanColour(result.thumbnails!.large, { left: 2, top: 2, width: 14, height: 16 });
    expect(left[0]).toBeGreaterThan(180);
    expect(left[2]).toBeLessThan(80);
  });

  it('names the reason of every guard', async () => {
    const jpeg = await imageOf('jpeg');
    const png = await imageOf('png');
    expect(await skipCodeOf(new Uint8Array())).toBe('empty');
    expect(await skipCodeOf(Buffer.from('just some text saved as a photo'))).toBe('not-an-image');
    expect(await skipCodeOf(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)))).toBe('truncated');
    expect(await skipCodeOf(png.subarray(0, Math.floor(png.length * 0.6)))).toBe('truncated');
    expect(await skipCodeOf(pngWithClaimedSize(60_000, 60_000))).toBe('decompression-bomb');
    expect(await skipCodeOf(pngWithClaimedSize(1, 300_000))).toBe('absurd-dimensions');
    expect(await skipCodeOf(pngWithClaimedSize(2, 1_000))).toBe('absurd-dimensions');
    // sharp's own pixel limit is the second line of defence behind the header check.
    await expect(processImage({ bytes: png, limits: { ...DEFAULT_IMAGE_LIMITS, maxPixels: 100 } })).rejects.toMatchObject({
      code: 'decompression-bomb',
    });
    // A real PNG named .jpg is no guard case at all: it is read as the PNG it is.
    expect((await processImage({ bytes: png, extension: '.jpg' })).metadata.format).toBe('png');
    expect(await skipCodeOf(await twoColourImage())).toBeUndefined();
  });

  it('keeps EXIF dates as written and refuses the all-zero ones', () => {
    expect(exifDateToIso('2023:07:14 09:05:01')).toBe('2023-07-14T09:05:01');
    expect(exifDateToIso('0000:00:00 00:00:00')).toBeNull();
    expect(exifDateToIso('    ')).toBeNull();
    expect(exifDateToIso(20230714)).toBeNull();
  });
});

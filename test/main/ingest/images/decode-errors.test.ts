// Truncated files stay "truncated" when libvips loses its error message: libvips keeps one error buffer
// per process, so a decode failing in one worker thread while another clears it reports "Unknown error".
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { structurallyTruncated } from '../../../../main/ingest/images/decode.js';

describe('structurallyTruncated', () => {
  it('tells a JPEG or PNG cut short from a whole one by its end marker', async () => {
    const image = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 60 } } });
    const jpeg = await image.clone().jpeg().toBuffer();
    const png = await image.clone().png().toBuffer();
    expect(structurallyTruncated(jpeg, 'jpeg')).toBe(false);
    expect(structurallyTruncated(jpeg.subarray(0, jpeg.length - 40), 'jpeg')).toBe(true);
    expect(structurallyTruncated(png, 'png')).toBe(false);
    expect(structurallyTruncated(png.subarray(0, png.length - 20), 'png')).toBe(true);
    // Other formats are not judged by structure (their decoders' messages are the evidence).
    expect(structurallyTruncated(new Uint8Array(10), 'webp')).toBe(false);
  });
});

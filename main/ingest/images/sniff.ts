// Which image format a file really is, from its first bytes (magic numbers), never from its name: a
// PNG saved as .jpg is read as the PNG it is, and a text file named .jpg is not an image at all. Also
// the extensions that make the scanner offer a file to the image path in the first place.
import path from 'node:path';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff' | 'heic';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.avif',
  '.gif',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
  '.hif',
]);

/** Whether the scanner hands this file to the image path (the bytes decide what it really is). */
export function hasImageExtension(file: string): boolean {
  const base = path.basename(file);
  return !base.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(base).toLowerCase());
}

/** ISO base media file brands (the `ftyp` box) of the HEIF family: HEVC-coded images and sequences. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** The format of an image from its bytes, or undefined when they are no format milens reads. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (bytes.length >= 4 && (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*')) return 'tiff';
  if (bytes.length >= 16 && ascii(bytes, 4, 4) === 'ftyp') return isoBrandFormat(bytes);
  return undefined;
}

/** HEIF or AVIF from the `ftyp` box: the major brand, else the first compatible brand that says. */
function isoBrandFormat(bytes: Uint8Array): ImageFormat | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = Math.min(view.getUint32(0), bytes.length);
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(ascii(bytes, offset, 4));
  for (const brand of brands) {
    if (AVIF_BRANDS.has(brand)) return 'avif';
    if (HEIC_BRANDS.has(brand)) return 'heic';
  }
  return undefined;
}

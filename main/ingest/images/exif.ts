// What a photo's EXIF says about when, with what and where it was taken, parsed by exifr from the EXIF
// block sharp found in the file (JPEG APP1, PNG eXIf, WebP/AVIF/HEIF Exif items, TIFF IFDs alike).
// Values are kept as written: the date is the camera's local time (no time zone guessed), with its
// offset only where the file records one. A broken EXIF block never costs the photo, only these fields.
import exifr from 'exifr';

export interface ExifFacts {
  takenAt: string | null;
  takenAtOffset: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  lens: string | null;
  latitude: number | null;
  longitude: number | null;
}

export const NO_EXIF: ExifFacts = {
  takenAt: null,
  takenAtOffset: null,
  cameraMake: null,
  cameraModel: null,
  lens: null,
  latitude: null,
  longitude: null,
};

const EXIF_HEADER = 'Exif\0\0';

/** Reads the facts from a raw EXIF block (sharp's `metadata().exif`: "Exif\0\0" then a TIFF header). */
export async function readExifFacts(exifBlock: Uint8Array | undefined): Promise<ExifFacts> {
  if (!exifBlock || exifBlock.length < 8) return NO_EXIF;
  const tiff = Buffer.from(exifBlock.buffer, exifBlock.byteOffset, exifBlock.byteLength);
  const start = tiff.subarray(0, 6).toString('latin1') === EXIF_HEADER ? 6 : 0;
  let tags: Record<string, unknown> | undefined;
  try {
    // reviveValues off: dates stay the strings the camera wrote (exifr would read them in *our* time zone).
    tags = (await exifr.parse(tiff.subarray(start), {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      reviveValues: false,
      translateValues: false,
    })) as Record<string, unknown> | undefined;
  } catch {
    return NO_EXIF;
  }
  if (!tags) return NO_EXIF;
  const latitude = finiteOrNull(tags.latitude);
  const longitude = finiteOrNull(tags.longitude);
  const validPosition = latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
  return {
    takenAt: exifDateToIso(tags.DateTimeOriginal ?? tags.CreateDate ?? tags.DateTimeDigitized),
    takenAtOffset: offsetOrNull(tags.OffsetTimeOriginal ?? tags.OffsetTime),
    cameraMake: textOrNull(tags.Make),
    cameraModel: textOrNull(tags.Model),
    lens: textOrNull(tags.LensModel) ?? textOrNull(tags.Lens) ?? textOrNull(tags.LensInfo),
    latitude: validPosition ? latitude : null,
    longitude: validPosition ? longitude : null,
  };
}

/** "2024:05:01 10:00:00" (EXIF) → "2024-05-01T10:00:00"; null for the all-zero or malformed dates cameras write. */
export function exifDateToIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match;
  if (year === '0000' || month === '00' || day === '00' || Number(month) > 12 || Number(day) > 31 || Number(hour) > 23) return null;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}`;
}

function offsetOrNull(value: unknown): string | null {
  return typeof value === 'string' && /^[+-]\d{2}:\d{2}$/.test(value.trim()) ? value.trim() : null;
}

function textOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Cameras pad with NULs and spaces.
  const text = value.replace(/\0/g, '').trim();
  return text === '' ? null : text;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

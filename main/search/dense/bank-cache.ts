// The shipped query bank (bank-texts.ts) embedded by one model, kept on disk beside the database so that
// it is embedded once per model, not at every search: `<database folder>/search-cache/bank-<model>-<key>.f32`,
// raw float32 rows, where the key hashes the bank's texts and the dimension (a changed bank is embedded
// again). Written to a temporary file and renamed, so a crash never leaves half a bank.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Float32Rows } from './hub-correction.js';
import { QUERY_BANK_TEXTS } from './bank-texts.js';

export function searchCacheFolderFor(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'search-cache');
}

function bankFile(folder: string, modelId: string, dimension: number): string {
  const key = createHash('sha256').update(JSON.stringify(QUERY_BANK_TEXTS)).update(String(dimension)).digest('hex').slice(0, 16);
  return path.join(folder, `bank-${modelId.replace(/[^a-z0-9.-]/gi, '_')}-${key}.f32`);
}

/** The bank's embeddings by this model: read from the cache, else embedded now and cached. */
export async function queryBankEmbeddings(
  folder: string,
  modelId: string,
  dimension: number,
  embedTexts: (texts: string[]) => Promise<Float32Array[]>,
): Promise<Float32Rows> {
  const file = bankFile(folder, modelId, dimension);
  const count = QUERY_BANK_TEXTS.length;
  try {
    const bytes = readFileSync(file);
    if (bytes.byteLength === count * dimension * 4) {
      const data = new Float32Array(count * dimension);
      new Uint8Array(data.buffer).set(bytes);
      return { data, count, dimension };
    }
  } catch {
    // Not cached yet (or unreadable): embed below.
  }
  const vectors = await embedTexts([...QUERY_BANK_TEXTS]);
  const data = new Float32Array(count * dimension);
  vectors.forEach((vector, row) => data.set(vector, row * dimension));
  try {
    mkdirSync(folder, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, new Uint8Array(data.buffer));
    renameSync(temporary, file);
  } catch {
    // A read-only data folder only costs embedding the bank again next time.
  }
  return { data, count, dimension };
}

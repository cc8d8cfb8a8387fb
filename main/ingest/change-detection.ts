// Decides what a scan means for the index: new files, files whose size or mtime changed (re-read and
// compared by content hash, so a touched but identical file is not re-indexed), and files gone.
import type { DocumentFingerprint } from '../../db/repositories/documents-repository.js';
import type { ScannedFile } from './scanner.js';

export interface ChangePlan {
  added: ScannedFile[];
  /** Size or mtime differ: content must be hashed to know whether it really changed. */
  maybeChanged: Array<{ file: ScannedFile; previous: DocumentFingerprint }>;
  unchanged: number;
  removed: DocumentFingerprint[];
}

export function planChanges(scanned: readonly ScannedFile[], indexed: ReadonlyMap<string, DocumentFingerprint>): ChangePlan {
  const plan: ChangePlan = { added: [], maybeChanged: [], unchanged: 0, removed: [] };
  const seen = new Set<string>();
  for (const file of scanned) {
    seen.add(file.path);
    const previous = indexed.get(file.path);
    if (!previous) plan.added.push(file);
    else if (previous.size === file.size && previous.mtimeMs === file.mtimeMs) plan.unchanged++;
    else plan.maybeChanged.push({ file, previous });
  }
  for (const [filePath, previous] of indexed) if (!seen.has(filePath)) plan.removed.push(previous);
  return plan;
}

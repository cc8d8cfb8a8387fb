// Near-duplicates: a burst of shots (a camera's continuous mode, or the same scene taken again and
// again) folds into one result that carries the others. Two photos are the same shot when
//   - they were taken within BURST_GAP_MS of each other and their image embeddings have cosine at least
//     BURST_COSINE (same moment, nearly the same picture), or
//   - their image embeddings have cosine at least DUPLICATE_COSINE whatever their times (copies,
//     re-encodes, edits; and photos without EXIF time).
// The relation is closed transitively over the ranked list (a burst panning across a scene links end to
// end). Each group is shown as its best-ranked member; the rest are `folded`, best first.

/** Shots this close in time can be one burst (30 s). */
export const BURST_GAP_MS = 30_000;
/** Image–image cosine above which shots close in time are one burst. */
export const BURST_COSINE = 0.9;
/** Image–image cosine above which two photos are duplicates at any time apart. */
export const DUPLICATE_COSINE = 0.97;

export interface FoldCandidate {
  item: number;
  /** Capture time in ms, or null when the photo does not say. */
  takenAtMs: number | null;
}

export interface FoldRule {
  gapMs: number;
  burstCosine: number;
  duplicateCosine: number;
}

export const DEFAULT_FOLD_RULE: FoldRule = { gapMs: BURST_GAP_MS, burstCosine: BURST_COSINE, duplicateCosine: DUPLICATE_COSINE };

/**
 * Groups a ranked list (best first) into bursts; returns, in rank order, each group's positions in the
 * list (its leader first). `cosine(a, b)` is the image–image cosine of two list positions.
 */
export function foldBursts(
  ranked: readonly FoldCandidate[],
  cosine: (a: number, b: number) => number,
  rule: FoldRule = DEFAULT_FOLD_RULE,
): number[][] {
  const parent = ranked.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let a = 0; a < ranked.length; a++) {
    for (let b = a + 1; b < ranked.length; b++) {
      if (find(a) === find(b)) continue;
      const timeA = ranked[a]!.takenAtMs;
      const timeB = ranked[b]!.takenAtMs;
      const close = timeA !== null && timeB !== null && Math.abs(timeA - timeB) <= rule.gapMs;
      const similarity = cosine(a, b);
      if (similarity >= rule.duplicateCosine || (close && similarity >= rule.burstCosine)) {
        // The better-ranked root stays the leader.
        const rootA = find(a);
        const rootB = find(b);
        if (rootA < rootB) parent[rootB] = rootA;
        else parent[rootA] = rootB;
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < ranked.length; i++) {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}

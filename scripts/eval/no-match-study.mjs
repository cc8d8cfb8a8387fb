// The study behind the "no match" rule (main/search/dense/no-match.ts): every candidate rule, measured on
// the same queries side by side, on the synthetic CLIP-shaped generator in its two forms (plain: every
// no-match query still has same-topic items; sub-categories: half of them also keep "same kind of
// thing, another instance" items, as real collections do). For each rule and seed it prints the share
// of no-match queries answered "nothing here" / the share of matching queries kept, at α = 0.2 (the
// product's goal as a rate, never tuned), and, as a diagnostic only, the best no-match share that ANY
// threshold on the rule's statistic reaches while keeping 95 % of the matching queries ("ceiling"): it
// tells a statistic that separates the two kinds of queries from a threshold that is badly placed.
//
// Every rule sees what the product's fused pass gives: the query's top candidates by corrected logit
// (64, the product's smallest candidate list; --candidates to change), the background's mean and
// spread, and the bank's per-item moments and runner-up null (hub-correction.ts).
// Usage: npm run build && node scripts/eval/no-match-study.mjs [--seeds 5] [--candidates 64] [--subcategory-weight 0.7]
import { importBuilt, option } from '../bench/lib/common.mjs';

const { getCompute } = await importBuilt('compute/index.js');
const { generateSynthetic, SUBCATEGORY_SYNTHETIC } = await importBuilt('search/dense/synthetic-embeddings.js');
const { NULL_CANDIDATES, buildHubCorrection, correctionOffsets, meanOf } = await importBuilt('search/dense/hub-correction.js');
const { bankStandardScore, chanceMaximumPValue, fisherCombined, runnerUpPValue } = await importBuilt('search/dense/no-match.js');
const { backgroundMoments } = await importBuilt('search/dense/pmi.js');

const compute = await getCompute();
const seeds = Number(option('seeds', 5));
const candidates = Number(option('candidates', 64));
// The sub-category centre's weight in an item's content (sensitivity: larger puts the mates nearer).
const subcategoryWeight = Number(option('subcategory-weight', SUBCATEGORY_SYNTHETIC.subcategoryWeight));
const ALPHA = 0.2;

/**
 * Rényi's representation: above a threshold, an exponential tail's normalised spacings E_j = j (X_j − X_{j+1})
 * are independent Exp(σ). The m-th against the mean of the next ones, E_{m+1..k}, is F(2, 2(k − m))
 * under the null: P = (1 + T / n)^(−n), n = k − m. "Is the best (m) far above a smooth tail?"
 */
function spacingPValue(sorted, k, m) {
  const spacings = Math.min(k, sorted.length - 1);
  let sum = 0;
  for (let j = m + 1; j <= spacings; j++) sum += j * (sorted[j - 1] - sorted[j]);
  const n = spacings - m;
  if (!(n > 0 && sum > 0)) return 1;
  return Math.pow(1 + (m * (sorted[m - 1] - sorted[m])) / (sum / n) / n, -n);
}

/** The top m ≤ M items as one group above the tail, Bonferroni over m (bursts; several true items). */
function groupSpacingPValue(sorted, k, groups) {
  let best = 1;
  for (let m = 1; m <= groups; m++) best = Math.min(best, spacingPValue(sorted, k, m));
  return Math.min(1, best * groups);
}

/** A generalised Pareto tail fitted (probability-weighted moments) to the excesses of X_2..X_k over X_{k+1}. */
function paretoTailPValue(sorted, k) {
  const threshold = sorted[k];
  const excesses = sorted
    .slice(1, k)
    .map((value) => value - threshold)
    .sort((a, b) => a - b);
  const n = excesses.length;
  let b0 = 0;
  let b1 = 0;
  excesses.forEach((value, i) => {
    b0 += value / n;
    b1 += (value * (i + 0.35)) / n / n;
  });
  const a1 = b0 - b1;
  const shape = 2 - b0 / (b0 - 2 * a1);
  const scale = (2 * b0 * a1) / (b0 - 2 * a1);
  const excess = sorted[0] - threshold;
  const survival = Math.abs(shape) < 1e-6 ? Math.exp(-excess / scale) : Math.max(0, 1 + (shape * excess) / scale) ** (-1 / shape);
  return -Math.expm1(k * Math.log1p(-Math.min(survival, 1 - 1e-16)));
}

const RULES = [
  ['chance maximum of the background (normal)', (c) => c.backgroundP],
  ['former rule: background ⊕ bank item witness (Fisher)', (c) => c.formerP],
  ['(b) bank item witness alone', (c) => c.itemWitnessP],
  ['(a) top spacing of the logits, exponential tail, k = 63', (c) => spacingPValue(c.logits, 63, 1)],
  ['(a) generalised Pareto tail of the logits, k = 63', (c) => paretoTailPValue(c.logits, 63)],
  ['(c) top group (m ≤ 8) above an exponential tail', (c) => groupSpacingPValue(c.logits, 63, 8)],
  ['(a) ⊕ (b): top spacing ⊕ bank item witness', (c) => fisherCombined(spacingPValue(c.logits, 63, 1), c.itemWitnessP)],
  ['bank-standardised z: top spacing, k = 63', (c) => spacingPValue(c.scores, 63, 1)],
  ['bank-standardised z: chance maximum of N normals', (c) => chanceMaximumPValue(c.scores[0], 0, 1, c.itemCount)],
  ['bank-standardised z: runner-up null (milens)', (c) => c.runnerUpP],
];

const summary = new Map();
for (const [generator, overrides] of [
  ['plain', {}],
  ['sub-categories', { ...SUBCATEGORY_SYNTHETIC, subcategoryWeight }],
]) {
  for (let seed = 1; seed <= seeds; seed++) {
    const data = generateSynthetic({ seed, ...overrides });
    const { dimension, itemCount } = data;
    const store = { dtype: 'f32', data: data.items, count: itemCount, dimension };
    const index = await compute.createVectorIndex(store);
    const bank = { data: data.bank, count: data.bankCount, dimension };
    const state = await buildHubCorrection(compute, store, index, bank, 100);
    const offsets = correctionOffsets(state);
    const k = Math.min(candidates, itemCount);
    const pass = await index.searchLogits(data.queries, data.queryCount, k, { scale: 100, offsets });
    index.dispose();
    const meanOffset = meanOf(offsets);
    const meanBankMean = meanOf(state.itemBankMean);
    const cases = [];
    for (let q = 0; q < data.queryCount; q++) {
      const { mean, deviation } = backgroundMoments(pass.sum[q], pass.sumSquares[q], itemCount);
      const logits = [];
      const scores = [];
      let formerP = 1;
      let itemWitnessP = 1;
      for (let rank = 0; rank < k; rank++) {
        const item = pass.indices[q * k + rank];
        const logit = pass.scores[q * k + rank];
        const raw = logit + offsets[item];
        logits.push(logit);
        scores.push(bankStandardScore(raw, mean + meanOffset, state.itemBankMean[item], meanBankMean, state.itemBankDeviation[item]));
        // The former rule: the background's chance maximum, Fisher-combined with the item's standing
        // against the bank's logits for it (chance maximum over the candidates).
        const witness = chanceMaximumPValue((raw - state.itemBankMean[item]) / state.itemBankDeviation[item], 0, 1, k);
        formerP = Math.min(formerP, fisherCombined(chanceMaximumPValue(logit, mean, deviation, itemCount), witness));
        itemWitnessP = Math.min(itemWitnessP, witness);
      }
      // milens' rule looks at the first NULL_CANDIDATES candidates, as its null was made.
      const ruleScore = Math.max(...scores.slice(0, NULL_CANDIDATES).filter((score) => !Number.isNaN(score)));
      scores.sort((a, b) => b - a);
      cases.push({
        truth: data.truth[q],
        mates: data.subcategoryMates[q],
        itemCount,
        logits,
        scores,
        backgroundP: chanceMaximumPValue(logits[0], mean, deviation, itemCount),
        formerP,
        itemWitnessP,
        runnerUpP: runnerUpPValue(ruleScore, state.runnerUpNull),
      });
    }
    for (const [name, rule] of RULES) {
      const pValues = cases.map(rule);
      const matching = pValues.filter((_, i) => cases[i].truth >= 0);
      const noMatch = pValues.filter((_, i) => cases[i].truth < 0);
      const nearOnly = pValues.filter((_, i) => cases[i].truth < 0 && cases[i].mates > 0);
      const ceilingCut = [...matching].sort((a, b) => a - b)[Math.ceil(0.95 * matching.length) - 1];
      const entry = {
        seed,
        noMatch: noMatch.filter((p) => p >= ALPHA).length / noMatch.length,
        kept: matching.filter((p) => p < ALPHA).length / matching.length,
        nearNoMatch: nearOnly.length > 0 ? nearOnly.filter((p) => p >= ALPHA).length / nearOnly.length : NaN,
        ceiling: noMatch.filter((p) => p > ceilingCut).length / noMatch.length,
      };
      const key = `${generator}\u0000${name}`;
      if (!summary.has(key)) summary.set(key, []);
      summary.get(key).push(entry);
    }
  }
}

const two = (value) => value.toFixed(2);
console.log(
  `backend ${compute.name}; synthetic 5,000 items × 128 dims, 50 planted hubs, 600 text queries (200 without their item), ` +
    `bank of 400; ${candidates} candidates per query; α = ${ALPHA}; seeds 1–${seeds}`,
);
for (const generator of ['plain', 'sub-categories']) {
  if (generator === 'sub-categories') console.log(`\nsub-category weight ${subcategoryWeight}`);
  console.log(`\n${generator} generator: no-match answered "nothing here" / matching kept, per seed; ceiling at 95 % kept`);
  console.log('| rule | ' + Array.from({ length: seeds }, (_, s) => `seed ${s + 1}`).join(' | ') + ' | ceiling (seeds 1–' + seeds + ') |');
  console.log('|---|' + '---|'.repeat(seeds + 1));
  for (const [name] of RULES) {
    const entries = summary.get(`${generator}\u0000${name}`);
    const cells = entries.map((entry) => `${two(entry.noMatch)} / ${two(entry.kept)}`);
    console.log(`| ${name} | ${cells.join(' | ')} | ${entries.map((entry) => two(entry.ceiling)).join(' ')} |`);
  }
  if (generator === 'sub-categories') {
    console.log('\nsub-categories: no-match queries whose sub-category mates remain, share answered "nothing here", per seed');
    for (const [name] of RULES)
      console.log(
        `| ${name} | ${summary
          .get(`${generator}\u0000${name}`)
          .map((entry) => two(entry.nearNoMatch))
          .join(' | ')} |`,
      );
  }
}

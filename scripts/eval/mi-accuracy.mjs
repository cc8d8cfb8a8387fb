#!/usr/bin/env node
// Accuracy of milens' continuous MI estimators against closed forms: KSG-1 (the default, scikit-learn's)
// and LNC (KSG + local non-uniformity correction, Gao et al. 2015). For each case, n and estimator it
// prints the mean error (estimate − exact, nats) and its spread (standard deviation) over seeds, and
// which estimator has the smaller mean |error|. The data go through milens' tie rule as in `milens mi`.
//
//   node scripts/eval/mi-accuracy.mjs [--sizes 1000,10000,100000] [--seeds 5] [--k 3] [--cases a,b]
//   node scripts/eval/mi-accuracy.mjs --alpha        # the α_k table of main/mi/lnc.ts, by simulation
//
// Cases (exact MI in nats):
//   gauss-ρ       bivariate Gaussian, ρ = 0.3, 0.6, 0.9, 0.99, 0.9999: −½ ln(1 − ρ²)
//   cubic-0.9     (x³, e^y) of a ρ = 0.9 Gaussian: monotone transforms leave MI unchanged
//   uniform-noise y = x + u, x ~ U(0,1), u ~ U(0, 0.1): I = ln(1/a) + a/2 for noise width a ≤ 1 (= 2.353)
//   gauss-1-1e-5, gauss-1-1e-6   1 − ρ² = 1e-5, 1e-6 (6.1 and 6.9 nats): where KSG saturates
//   student-t-3-0.9   bivariate Student t, ν = 3, ρ = 0.9: h(X) + h(Y) − h(X, Y) in closed form (below)
// Needs `npm run build` (and the native addon for speed at 100,000).
import { importBuilt, option } from '../bench/lib/common.mjs';

const { SeededRandom, deriveSeed } = await importBuilt('mi/random.js');
const { prepareContinuous } = await importBuilt('mi/tie-rule.js');
const { ksgMutualInformation } = await importBuilt('mi/knn-estimators.js');
const { lncCorrection, logVolumeRatios } = await importBuilt('mi/lnc.js');
const { getCompute } = await importBuilt('compute/index.js');
const { digamma } = await importBuilt('mi/digamma.js');

const k = Number(option('k', '3'));

if (process.argv.includes('--alpha')) {
  // α_k: the 5 % quantile of V̄ / V on a uniform sample, interior points only (no edge effects).
  const random = new SeededRandom(2015);
  const n = 300_000;
  const x = Float64Array.from({ length: n }, () => random.nextFloat());
  const y = Float64Array.from({ length: n }, () => random.nextFloat());
  const alphas = [],
    baselines = [];
  for (let kk = 2; kk <= 10; kk++) {
    const ratios = logVolumeRatios(x, y, kk);
    const interior = [];
    for (let i = 0; i < n; i++) if (x[i] > 0.1 && x[i] < 0.9 && y[i] > 0.1 && y[i] < 0.9) interior.push(ratios[i]);
    interior.sort((a, b) => a - b);
    const threshold = interior[Math.floor(0.05 * interior.length)];
    // The correction's mean on uniform points: what LNC adds where nothing needs correcting.
    let baseline = 0;
    for (const ratio of interior) if (ratio < threshold && Number.isFinite(ratio)) baseline -= ratio;
    alphas.push(Math.exp(threshold).toFixed(4));
    baselines.push((baseline / interior.length).toFixed(4));
  }
  console.log(`ALPHA_BY_K (k = 2..10): ${alphas.join(', ')}`);
  console.log(`UNIFORM_BASELINE_BY_K (k = 2..10): ${baselines.join(', ')}`);
  process.exit(0);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 digits for these arguments). */
function logGamma(x) {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * MI of a bivariate Student t (ν degrees of freedom, correlation ρ, unit scales) as h(X) + h(Y) − h(X, Y)
 * from the closed-form entropies of the univariate and bivariate t:
 *   h_1 = ½ ln ν + ln B(½, ν/2) + (ν+1)/2 · [ψ((ν+1)/2) − ψ(ν/2)]
 *   h_2 = ½ ln(1 − ρ²) + ln(ν π) + ln Γ(ν/2) − ln Γ(ν/2 + 1) + (ν+2)/2 · [ψ((ν+2)/2) − ψ(ν/2)]
 * It exceeds the Gaussian −½ ln(1 − ρ²): the shared scale adds dependence.
 */
function studentTMutualInformation(nu, rho) {
  const logBeta = (a, b) => logGamma(a) + logGamma(b) - logGamma(a + b);
  const h1 = 0.5 * Math.log(nu) + logBeta(0.5, nu / 2) + ((nu + 1) / 2) * (digamma((nu + 1) / 2) - digamma(nu / 2));
  const h2 =
    0.5 * Math.log(1 - rho * rho) +
    Math.log(nu * Math.PI) +
    logGamma(nu / 2) -
    logGamma(nu / 2 + 1) +
    ((nu + 2) / 2) * (digamma((nu + 2) / 2) - digamma(nu / 2));
  return 2 * h1 - h2;
}

function gaussianPair(n, rho, random) {
  const x = new Float64Array(n),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = random.nextNormal();
    y[i] = rho * x[i] + Math.sqrt(1 - rho * rho) * random.nextNormal();
  }
  return { x, y };
}

/** χ²_ν / ν by summing ν squared normals (ν a small integer). */
function chiSquareOverNu(nu, random) {
  let sum = 0;
  for (let i = 0; i < nu; i++) sum += random.nextNormal() ** 2;
  return sum / nu;
}

const cases = {
  'gauss-0.3': { exact: -0.5 * Math.log(1 - 0.09), draw: (n, r) => gaussianPair(n, 0.3, r) },
  'gauss-0.6': { exact: -0.5 * Math.log(1 - 0.36), draw: (n, r) => gaussianPair(n, 0.6, r) },
  'gauss-0.9': { exact: -0.5 * Math.log(1 - 0.81), draw: (n, r) => gaussianPair(n, 0.9, r) },
  'gauss-0.99': { exact: -0.5 * Math.log(1 - 0.9801), draw: (n, r) => gaussianPair(n, 0.99, r) },
  'gauss-0.9999': { exact: -0.5 * Math.log(1 - 0.99980001), draw: (n, r) => gaussianPair(n, 0.9999, r) },
  // 1 − ρ² = 1e-5 and 1e-6: MI of 6.1 and 6.9 nats, where KSG needs far more than n = 1000-10,000 points.
  'gauss-1-1e-5': { exact: -0.5 * Math.log(1e-5), draw: (n, r) => gaussianPair(n, Math.sqrt(1 - 1e-5), r) },
  'gauss-1-1e-6': { exact: -0.5 * Math.log(1e-6), draw: (n, r) => gaussianPair(n, Math.sqrt(1 - 1e-6), r) },
  'cubic-0.9': {
    exact: -0.5 * Math.log(1 - 0.81),
    draw: (n, r) => {
      const { x, y } = gaussianPair(n, 0.9, r);
      return { x: x.map((v) => v ** 3), y: y.map((v) => Math.exp(v)) };
    },
  },
  'uniform-noise': {
    exact: Math.log(1 / 0.1) + 0.1 / 2,
    draw: (n, r) => {
      const x = Float64Array.from({ length: n }, () => r.nextFloat());
      return { x, y: x.map((v) => v + 0.1 * r.nextFloat()) };
    },
  },
  'student-t-3-0.9': {
    exact: studentTMutualInformation(3, 0.9),
    draw: (n, r) => {
      const { x, y } = gaussianPair(n, 0.9, r);
      for (let i = 0; i < n; i++) {
        const scale = 1 / Math.sqrt(chiSquareOverNu(3, r));
        x[i] *= scale;
        y[i] *= scale;
      }
      return { x, y };
    },
  },
};

const sizes = option('sizes', '1000,10000,100000').split(',').map(Number);
const seeds = Number(option('seeds', '5'));
const selected = option('cases', Object.keys(cases).join(',')).split(',');
const compute = await getCompute();

const stats = (values) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const spread = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, spread };
};

console.log(
  `k = ${k}, ${seeds} seeds per cell; error = estimate − exact (nats): mean ± standard deviation over seeds (backend ${compute.name})`,
);
console.log(
  [
    'case'.padEnd(16),
    'exact'.padStart(7),
    'n'.padStart(7),
    'KSG error'.padStart(20),
    'LNC error'.padStart(20),
    '  lower |mean error|',
  ].join(' '),
);
for (const name of selected) {
  const testCase = cases[name];
  if (!testCase) throw new Error(`unknown case ${name} (cases: ${Object.keys(cases).join(', ')})`);
  for (const n of sizes) {
    const ksgErrors = [],
      lncErrors = [];
    for (let seed = 0; seed < seeds; seed++) {
      const random = new SeededRandom(deriveSeed(seed, `${name}:${n}`));
      const { x, y } = testCase.draw(n, random);
      const px = prepareContinuous(x, deriveSeed(seed, 'x')).values;
      const py = prepareContinuous(y, deriveSeed(seed, 'y')).values;
      const [ksg] = await ksgMutualInformation(compute, py, [px], k);
      ksgErrors.push(ksg - testCase.exact);
      lncErrors.push(ksg + lncCorrection(px, py, k) - testCase.exact);
    }
    const a = stats(ksgErrors),
      b = stats(lncErrors);
    const cell = ({ mean, spread }) => `${mean >= 0 ? '+' : ''}${mean.toFixed(4)} ± ${spread.toFixed(4)}`.padStart(20);
    const better = Math.abs(a.mean) < Math.abs(b.mean) ? 'KSG' : 'LNC';
    console.log([name.padEnd(16), testCase.exact.toFixed(3).padStart(7), String(n).padStart(7), cell(a), cell(b), `  ${better}`].join(' '));
  }
}

// The standard normal's upper tail Q(z) = P(Z > z) and its inverse, accurate far into the tail (the
// "no match" rule asks for tails near 1e-8 at a million items). Q is computed from erfc with the
// Chebyshev fit of Numerical Recipes (relative error below 1.2e-7 at any z); the inverse by
// bisection on log Q, which is monotone, to a tolerance far below what a ranking threshold needs.

/** erfc(x) for x ≥ 0 (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function erfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const polynomial =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(polynomial);
}

/** log Q(z) = log P(Z > z), stable for large z. */
export function logUpperTail(z: number): number {
  if (z < 0) return Math.log1p(-Math.exp(logUpperTail(-z)));
  return Math.log(0.5 * erfcNonNegative(z / Math.SQRT2));
}

/** The z with log Q(z) = logTail (logTail < 0). */
export function upperTailQuantile(logTail: number): number {
  let low = -40;
  let high = 40;
  for (let step = 0; step < 200 && high - low > 1e-10; step++) {
    const middle = (low + high) / 2;
    if (logUpperTail(middle) > logTail) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

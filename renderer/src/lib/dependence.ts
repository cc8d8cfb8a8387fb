// When mutual information sees a dependence that correlation misses. For a bivariate Gaussian,
// MI = −½·log2(1 − ρ²) bits, so a linear relationship with correlation ρ "explains" that much MI.
// A feature whose estimated MI clearly exceeds what its strongest correlation explains carries a
// non-linear (or non-monotone) relationship: those are the rows the Tables page highlights.
import type { MiFeatureResult } from '../../../main/api/contract.js';

/** Below this, an MI estimate is within the noise of the KSG estimator on modest samples. */
const MINIMUM_MI_BITS = 0.05;
/** How much MI (bits) must exceed the linear explanation to be called a miss by correlation. */
const MINIMUM_EXCESS_BITS = 0.1;
const SIGNIFICANCE_LEVEL = 0.05;

export function miExplainedByCorrelationBits(correlation: number): number {
  const rho = Math.min(Math.abs(correlation), 0.999_999);
  return -0.5 * Math.log2(1 - rho * rho);
}

export function correlationMissesDependence(feature: MiFeatureResult, miBits: number): boolean {
  if (miBits < MINIMUM_MI_BITS) return false;
  if (feature.pValue !== null && feature.pValue >= SIGNIFICANCE_LEVEL) return false;
  const correlations = [feature.pearson, feature.spearman].filter((value): value is number => value !== null && Number.isFinite(value));
  if (correlations.length === 0) return false;
  const strongest = Math.max(...correlations.map(Math.abs));
  return miBits - miExplainedByCorrelationBits(strongest) >= MINIMUM_EXCESS_BITS && miBits >= 2 * miExplainedByCorrelationBits(strongest);
}

/** Converts a value in the report's unit to bits. */
export function toBits(value: number, unit: 'nats' | 'bits'): number {
  return unit === 'bits' ? value : value / Math.LN2;
}

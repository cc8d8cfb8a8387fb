// Dependence measures reported beside MI (Pearson, Spearman, distance correlation). The implementation
// is the compute layer's reference (../compute/reference/correlations.ts), which the native
// `correlations` kernel matches bit for bit; the MI engine uses these directly for pairs with dropped rows.
export * from '../compute/reference/correlations.js';

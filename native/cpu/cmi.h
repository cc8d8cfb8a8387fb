// The Frenzel–Pompe (2007) neighbour counts of the conditional MI estimator I(X;Y|Z) on the CPU
// (cmi.cc). Every backend routes the kernel here: it is grid and tree searches, branchy and memory-bound.
#pragma once

#include <cstdint>

#include "../src/backend.h"

namespace milens::cpu {

/** The most conditioning columns the kernel takes (the joint space then has 2 + 4 dimensions). */
constexpr int64_t kMaxGivenColumns = 4;

/**
 * For each feature f (x) against the shared variable (y) given the columns `given` (z, given_count of
 * them), per point i: eps_i = the k-th smallest Chebyshev distance from point i to another point in
 * (x, y, z); count_xz[f·n + i] = #{j ≠ i : |x_j − x_i| < eps_i and |z_j − z_i| < eps_i in every z
 * column}, count_yz likewise with y, count_z with z alone; all three 0 when eps_i = 0. Inputs finite,
 * 1 ≤ k ≤ n − 1. Throws KernelError (Range) for k or given_count out of range.
 */
void frenzel_pompe_counts(const double* shared, int64_t n, const double* const* given, int64_t given_count, const double* const* features,
                          int64_t feature_count, int32_t k, int32_t* count_xz, int32_t* count_yz, int32_t* count_z);

}  // namespace milens::cpu

// CPU correlation measures reported beside MI: Pearson's r, Spearman's ρ and the distance correlation,
// a line-by-line port of the TypeScript reference (main/compute/reference/correlations.ts), with every
// sum taken in the same order, so the results are bit-identical to it (no FMA contraction: the build
// sets no -march, and each product is rounded before it is added, as in JavaScript).
//
// The target's share (standardised values, order, average ranks, distance row sums and variance) is
// computed once; features are then split across threads, each feature on one thread. With a single
// feature, the target's and the feature's shares are prepared on two threads, and the distance sum's
// large blocks are split across threads (summed in the same order as on one thread, so the result is the
// same on any machine).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "buffer.h"
#include "cpu_kernels.h"
#include "parallel.h"
#include "radix_sort.h"

// Keeps a hot loop out of its caller: inlined into the recursion below, GCC keeps the loop's running sum
// in memory (a store and reload on every step), which costs about a fifth of the distance correlation.
#if defined(_MSC_VER)
#define MILENS_NOINLINE __declspec(noinline)
#else
#define MILENS_NOINLINE __attribute__((noinline))
#endif

namespace milens::cpu {
namespace {

inline double clamp_unit(double value) { return std::max(-1.0, std::min(1.0, value)); }

/** pearson() of the reference; NaN for null. */
double pearson(const double* x, const double* y, int64_t n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean_x = 0, mean_y = 0;
  for (int64_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    const double pxy = dx * dy, pxx = dx * dx, pyy = dy * dy;
    sxy += pxy;
    sxx += pxx;
    syy += pyy;
  }
  if (!(sxx > 0 && syy > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double product = sxx * syy;
  return clamp_unit(sxy / std::sqrt(product));
}

/** A point of the target as distance_product_sum reads it through a feature's order: its value and position. */
struct PositionedValue {
  double value;
  int32_t position;  // in the target's order (the inverse of `order`)
};

/** prepareCorrelationColumn() of the reference, and the column's values in sorted order. */
struct Column {
  Buffer<double> standardised, sorted, ranks, row_sums;
  Buffer<int32_t> order;
  Buffer<PositionedValue> positioned;  // the target's only: standardised[i] and i's position, by index i
  double distance_variance = 0;
};

/**
 * The reference's passes, regrouped so that the order is gone through once: the values are gathered into
 * sorted order (one pass of random reads), the row sums and average ranks computed there in sorted order,
 * and both scattered back by index in a single pass (with the target's positions). Every sum still adds
 * the same terms in the same order as the reference: Σv (the reference's `total`, and again its `sum`,
 * the same sum) and Σv² in index order as the values are standardised, `below` in sorted order, Σ row
 * sums and Σ row sums² in index order after the scatter.
 */
std::optional<Column> prepare_column(const double* values, int64_t n, bool with_positions) {
  if (n < 2) return std::nullopt;
  const double count = static_cast<double>(n);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += values[i];
  mean /= count;
  double variance = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = values[i] - mean;
    const double square = d * d;
    variance += square;
  }
  const double deviation = std::sqrt(variance / count);
  if (!(deviation > 0)) return std::nullopt;
  Column column;
  column.standardised.resize(n);
  double* v = column.standardised.data();
  double total = 0, sum_squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double value = (values[i] - mean) / deviation;
    v[i] = value;
    const double square = value * value;
    total += value;
    sum_squares += square;
  }
  column.order = stable_argsort(v, n);
  const int32_t* order = column.order.data();
  column.sorted.resize(n);
  double* sorted = column.sorted.data();
  for (int64_t p = 0; p < n; ++p) sorted[p] = v[order[p]];
  // distanceRowSums and averageRanks in sorted order, scattered by index.
  column.row_sums.resize(n);
  column.ranks.resize(n);
  if (with_positions) column.positioned.resize(n);
  double* row_sums = column.row_sums.data();
  double* ranks = column.ranks.data();
  PositionedValue* positioned = column.positioned.data();
  double below = 0;
  for (int64_t start = 0; start < n;) {
    int64_t end = start + 1;
    while (end < n && sorted[end] == sorted[start]) ++end;
    const double rank = static_cast<double>(start + end + 1) / 2;
    for (int64_t p = start; p < end; ++p) {
      const double value = sorted[p];
      const double a = value * static_cast<double>(p), b = value * static_cast<double>(n - p - 1);
      const int32_t index = order[p];
      row_sums[index] = a - below + (total - below - value) - b;
      ranks[index] = rank;
      if (with_positions) positioned[index] = {value, static_cast<int32_t>(p)};
      below += value;
    }
    start = end;
  }
  double row_squares = 0, row_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double r = row_sums[i] * row_sums[i];
    row_squares += r;
    row_total += row_sums[i];
  }
  const double sum = total;
  const double two_n_squares = 2 * count * sum_squares, two_sum_sum = 2 * sum * sum;
  const double squared_distances = two_n_squares - two_sum_sum;
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * row_squares, totals = row_total * row_total;
  column.distance_variance = squared_distances / nn - two_rows / nnn + totals / nnnn;
  return column;
}

// distanceProductSum() of the reference: Σ_ij |u_i − u_j||v_i − v_j| for two prepared columns, exactly (no
// approximation), in O(n log n). Index the points by their position in u order (the `position` column's
// order, stable). For pairs i < j in that order u_j − u_i ≥ 0, and |d| = d + 2·max(0, −d) gives
//
//   Σ_ij |Δu||Δv| = 2 Σ_{i<j} (u_j − u_i)|v_j − v_i| = 2 (S + 2D),
//   S = Σ_{i<j} (u_j − u_i)(v_j − v_i) = n Σ u_i v_i − Σ u_i Σ v_i              (O(n): every pair, signed)
//   D = Σ_{i<j, i after j in v order} (u_j − u_i)(v_i − v_j)                      (the discordant pairs)
//
// (a pair tied in v contributes 0 to D whichever way the v order puts it, so "after in v order" may stand
// for v_i > v_j). D is summed by a top-down recursion over blocks of u positions, each holding its points
// in v order: a block's points are split, stably, into its lower and upper halves of positions (both
// halves stay in v order), and every discordant pair with one point in each half is an upper point r with
// the lower points that follow it in v order. If k lower points precede r, those that follow it are the
// lower half's points k, k+1, … in its v order, so with suffix sums of (v, u, uv) over the lower half,
//
//   Σ_{m ≥ k} (u_r − u_m)(v_m − v_r) = u_r·SV[k] − u_r v_r·(lower − k) − SUV[k] + v_r·SU[k].
//
// The halves are then summed the same way; blocks of at most kLeafSize points sum their discordant pairs
// directly. Every pair is counted once, in the block where its positions are first split. The sums are
// taken in a fixed order that does not depend on the number of threads: a block's D is
// (cross + lower half's D) + upper half's D, each part with its own accumulator.
constexpr int64_t kLeafSize = 4;
// Blocks at least this large have their halves summed on two threads (while threads remain).
constexpr int64_t kParallelBlock = int64_t{1} << 15;

/** Points of a block in v order: v, u and the position in u order. */
struct Run {
  double* v;
  double* u;
  int32_t* position;
};

/** Two buffers of points (a block is split from one into the other) and the lower-point counts. */
struct BlockScratch {
  std::unique_ptr<double[]> v[2], u[2];
  std::unique_ptr<int32_t[]> position[2], lower_before;
  explicit BlockScratch(int64_t n) : lower_before(new int32_t[n]) {
    for (int side = 0; side < 2; ++side) {
      v[side].reset(new double[n]);
      u[side].reset(new double[n]);
      position[side].reset(new int32_t[n]);
    }
  }
  Run run(int side, int64_t from) { return {v[side].get() + from, u[side].get() + from, position[side].get() + from}; }
};

/** D of a small block directly: the pairs a before b in v order whose positions are reversed. */
double leaf_discordant_sum(Run block, int64_t size) {
  double sum = 0;
  for (int64_t b = 1; b < size; ++b) {
    for (int64_t a = 0; a < b; ++a) {
      const double du = block.u[a] - block.u[b], dv = block.v[b] - block.v[a];
      const double term = du * dv;
      sum += block.position[a] > block.position[b] ? term : 0.0;  // a select: the order is random
    }
  }
  return sum;
}

/**
 * Splits a block's points (in v order) stably into those at positions below `split` (out[0..lower)) and
 * the rest (out[lower..size)), and stores per upper point the number of lower points before it. No
 * branches: each point goes to the next slot of its half, and the count is stored at the next upper
 * slot for every point (an upper point's own store is the last one there).
 */
void split_block(Run in, Run out, int32_t* lower_before, int64_t size, int64_t lower, int64_t split) {
  int64_t next_lower = 0, next_upper = lower;
  for (int64_t q = 0; q < size; ++q) {
    const int32_t position = in.position[q];
    const bool is_lower = position < split;
    const int64_t to = is_lower ? next_lower : next_upper;
    out.v[to] = in.v[q];
    out.u[to] = in.u[q];
    out.position[to] = position;
    lower_before[next_upper - lower] = static_cast<int32_t>(next_lower);
    next_lower += is_lower;
    next_upper += !is_lower;
  }
}

/** Suffix sums SV, SU, SUV over the lower half's points: suffix_v[m] = Σ_{m' ≥ m} v_m', and so on. */
void suffix_sums(Run half, int64_t lower, double* suffix_v, double* suffix_u, double* suffix_uv) {
  double sum_v = 0, sum_u = 0, sum_uv = 0;
  for (int64_t m = lower - 1; m >= 0; --m) {
    const double product = half.u[m] * half.v[m];
    sum_v += half.v[m];
    sum_u += half.u[m];
    sum_uv += product;
    suffix_v[m] = sum_v;
    suffix_u[m] = sum_u;
    suffix_uv[m] = sum_uv;
  }
}

/**
 * Σ over the upper points of their discordant pairs with the lower half. An upper point with every lower
 * point before it has none (a select keeps the loop free of branches; the index is clamped so that the
 * unused loads stay in bounds).
 */
MILENS_NOINLINE double sum_across(Run upper, const int32_t* lower_before, int64_t uppers, int64_t lower, const double* suffix_v, const double* suffix_u,
                  const double* suffix_uv) {
  double sum = 0;
  for (int64_t j = 0; j < uppers; ++j) {
    const int64_t k = lower_before[j];
    const int64_t at = std::min(k, lower - 1);
    const double ur = upper.u[j], vr = upper.v[j];
    const double uv = ur * vr;
    const double a = ur * suffix_v[at], b = uv * static_cast<double>(lower - k), c = suffix_uv[at], d = vr * suffix_u[at];
    const double term = a - b - c + d;
    sum += k < lower ? term : 0.0;
  }
  return sum;
}

/**
 * Splits a block (points from..from+size of buffer `side`, positions first..first+size) into its lower
 * and upper halves in the other buffer, and returns the D of the pairs across the halves.
 */
double split_and_sum_across(BlockScratch& scratch, int side, int64_t from, int64_t first, int64_t size) {
  const int64_t lower = size / 2;
  const Run in = scratch.run(side, from), out = scratch.run(side ^ 1, from);
  int32_t* lower_before = scratch.lower_before.get() + from;
  split_block(in, out, lower_before, size, lower, first + lower);
  // The suffix sums go over the input, which the split has consumed (2·lower ≤ size).
  suffix_sums(out, lower, in.v, in.u, in.v + lower);
  const Run upper = scratch.run(side ^ 1, from + lower);
  return sum_across(upper, lower_before, size - lower, lower, in.v, in.u, in.v + lower);
}

/** D of a block (see split_and_sum_across); halves of large blocks go to two threads while `threads` > 1. */
double block_discordant_sum(BlockScratch& scratch, int side, int64_t from, int64_t first, int64_t size, int threads) {
  if (size <= kLeafSize) return leaf_discordant_sum(scratch.run(side, from), size);
  const int64_t lower = size / 2;
  const double across = split_and_sum_across(scratch, side, from, first, size);
  if (threads < 2 || size < kParallelBlock) {
    const double lower_sum = block_discordant_sum(scratch, side ^ 1, from, first, lower, 1);
    const double upper_sum = block_discordant_sum(scratch, side ^ 1, from + lower, first + lower, size - lower, 1);
    return across + lower_sum + upper_sum;
  }
  double halves[2];
  parallel_for(0, 2, 1, [&](int, int64_t begin, int64_t end) {
    for (int64_t half = begin; half < end; ++half) {
      const int64_t offset = half == 0 ? 0 : lower, half_size = half == 0 ? lower : size - lower;
      halves[half] = block_discordant_sum(scratch, side ^ 1, from + offset, first + offset, half_size, threads / 2);
    }
  });
  return across + halves[0] + halves[1];
}

/**
 * Σ_ij |u_i − u_j||v_i − v_j| with u = by_position's values (its `positioned` points) and v = by_order's;
 * `threads` > 1 splits the work (the result does not depend on it). scratch holds n points.
 */
double distance_product_sum(const Column& by_order, const Column& by_position, int64_t n, BlockScratch& scratch, int threads) {
  const double* v = by_order.standardised.data();
  const double* u = by_position.standardised.data();
  const Run points = scratch.run(0, 0);
  for (int64_t q = 0; q < n; ++q) {
    const PositionedValue point = by_position.positioned[by_order.order[q]];  // one random read per point
    points.v[q] = by_order.sorted[q];
    points.u[q] = point.value;
    points.position[q] = point.position;
  }
  double sum_u = 0, sum_v = 0, sum_uv = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double product = u[i] * v[i];
    sum_u += u[i];
    sum_v += v[i];
    sum_uv += product;
  }
  const double n_sum_uv = static_cast<double>(n) * sum_uv, sums = sum_u * sum_v;
  const double signed_sum = n_sum_uv - sums;
  const double discordant = block_discordant_sum(scratch, 0, 0, 0, n, threads);
  const double twice_discordant = 2 * discordant;
  return 2 * (signed_sum + twice_discordant);
}

/** What the measures of one target need besides the columns: its positions and scratch for n points. */
struct PairScratch {
  BlockScratch blocks;
  int threads;
};

/** correlationsOf() of the reference: [pearson, spearman, dcor] of a feature (a) and the target (b), NaN for null. */
void measures_of(const Column& a, const Column& b, int64_t n, PairScratch& scratch, double* out) {
  const double count = static_cast<double>(n);
  double product = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.standardised[i] * b.standardised[i];
    product += p;
  }
  const double products = distance_product_sum(a, b, n, scratch.blocks, scratch.threads);
  double row_products = 0, a_total = 0, b_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.row_sums[i] * b.row_sums[i];
    row_products += p;
    a_total += a.row_sums[i];
    b_total += b.row_sums[i];
  }
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * row_products, totals = a_total * b_total;
  const double covariance = products / nn - two_rows / nnn + totals / nnnn;
  double dcor_squared = std::numeric_limits<double>::quiet_NaN();
  if (a.distance_variance > 0 && b.distance_variance > 0) {
    const double variances = a.distance_variance * b.distance_variance;
    dcor_squared = covariance / std::sqrt(variances);
  }
  out[0] = clamp_unit(product / count);
  out[1] = pearson(a.ranks.data(), b.ranks.data(), n);
  out[2] = dcor_squared == dcor_squared ? std::sqrt(std::max(0.0, std::min(1.0, dcor_squared))) : std::numeric_limits<double>::quiet_NaN();
}

void measures_with_target(const std::optional<Column>& feature, const std::optional<Column>& target, int64_t n, PairScratch& scratch, double* out) {
  if (!feature || !target) {
    out[0] = out[1] = out[2] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  measures_of(*feature, *target, n, scratch, out);
}

}  // namespace

void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures) {
  if (feature_count == 0) return;
  std::optional<Column> target_column;
  if (feature_count == 1) {
    std::optional<Column> feature_column;
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(target, n, true);
        else feature_column = prepare_column(features[0], n, false);
      }
    });
    PairScratch scratch{BlockScratch(n), hardware_threads()};
    measures_with_target(feature_column, target_column, n, scratch, measures);
    return;
  }
  target_column = prepare_column(target, n, true);
  parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
    PairScratch scratch{BlockScratch(n), 1};  // one per thread, reused by its features
    for (int64_t f = from; f < to; ++f) measures_with_target(prepare_column(features[f], n, false), target_column, n, scratch, measures + 3 * f);
  });
}

}  // namespace milens::cpu

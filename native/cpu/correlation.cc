// CPU correlation measures reported beside MI: Pearson's r, Spearman's ρ and the distance correlation,
// a line-by-line port of the TypeScript reference (main/compute/reference/correlations.ts), with every
// sum taken in the same order, so the results are bit-identical to it (no FMA contraction: the build
// sets no -march, and each product is rounded before it is added, as in JavaScript).
//
// The target's share (its positions, average ranks, distance row sums and variance; standardised values
// are computed again from the columns where they are read) is computed once; features are then handed
// out to the threads one at a time, each feature on one thread. With a single feature, or on a tall
// table (one feature at a time, after every feature's O(n) sums: see tall_measures), the distance sum's
// large blocks are split across threads (summed in the same order as on one thread, so the result is
// the same on any machine).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "buffer.h"
#include "complete_rows.h"
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

/**
 * unitScale() of the reference: the power of two 2^k bringing max |value| into [1, 4), k = 1023 − the
 * maximum's biased exponent, within [−1022, 1023]; 1 for an empty, all-zero or non-finite column. Scaling
 * by it is exact and leaves every later step's result scaled exactly, so ordinary data give the unscaled
 * results while values near 1.7e308 no longer overflow the sums of squares.
 */
double unit_scale(const double* values, int64_t n) {
  double largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double magnitude = std::fabs(values[i]);
    if (magnitude > largest) largest = magnitude;
  }
  if (!(largest > 0) || largest == std::numeric_limits<double>::infinity()) return 1;
  uint64_t bits;
  std::memcpy(&bits, &largest, sizeof bits);
  const int64_t biased_exponent = static_cast<int64_t>((bits >> 52) & 0x7ff);
  const int64_t k = std::max<int64_t>(-1022, std::min<int64_t>(1023, 1023 - biased_exponent));
  const uint64_t scale_bits = static_cast<uint64_t>(1023 + k) << 52;
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return scale;
}

/** An average rank (a whole or half number) from twice it: the same double as (start + end + 1) / 2. */
inline double rank_of(uint32_t twice_rank) { return static_cast<double>(twice_rank) / 2; }

/** unit_scale of the ranks held as twice their values. */
double unit_scale_of_ranks(const uint32_t* twice_ranks, int64_t n) {
  uint32_t largest = 0;
  for (int64_t i = 0; i < n; ++i) largest = std::max(largest, twice_ranks[i]);
  const double largest_rank = rank_of(largest);
  return unit_scale(&largest_rank, 1);  // the largest magnitude alone sets the scale
}

/**
 * pearson() of the reference on two columns of average ranks, each held as twice its value (4 bytes a
 * row instead of 8; whole numbers below 2^32 for n < 2^31, so every rank is the exact double it was);
 * NaN for null.
 */
double pearson_of_ranks(const uint32_t* twice_x, const uint32_t* twice_y, int64_t n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double scale_x = unit_scale_of_ranks(twice_x, n), scale_y = unit_scale_of_ranks(twice_y, n);
  auto x = [&](int64_t i) { return rank_of(twice_x[i]); };
  auto y = [&](int64_t i) { return rank_of(twice_y[i]); };
  double mean_x = 0, mean_y = 0;
  for (int64_t i = 0; i < n; ++i) {
    mean_x += x(i) * scale_x;
    mean_y += y(i) * scale_y;
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double dx = x(i) * scale_x - mean_x, dy = y(i) * scale_y - mean_y;
    const double pxy = dx * dy, pxx = dx * dx, pyy = dy * dy;
    sxy += pxy;
    sxx += pxx;
    syy += pyy;
  }
  if (!(sxx > 0 && syy > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double product = sxx * syy;
  return clamp_unit(sxy / std::sqrt(product));
}

/**
 * prepareCorrelationColumn() of the reference, as the measures read it. The standardised values are not
 * held: standardised(i) computes (values[i] · scale − mean) / deviation again from the column itself (the
 * same operations on the same double, so the same value the reference stored), which saves 8 bytes a row
 * for the target and for the feature, and their sorted copies (8 more each). A feature keeps its order
 * (the distance sum's points are built through it), the target its positions (the inverse of its
 * order); both keep their average ranks and distance row sums until their O(n) sums are taken.
 */
struct Column {
  const double* values = nullptr;  // the caller's column, alive for the whole call
  double scale = 1, mean = 0, deviation = 1;
  Buffer<double> row_sums;
  Buffer<uint32_t> twice_ranks;  // 2 × the average rank (see pearson_of_ranks)
  Buffer<int32_t> order;         // a feature's: order[p] is the index at sorted position p
  Buffer<int32_t> positions;     // the target's: index i's position in its order
  double total = 0;              // Σ standardised(i) in index order
  double distance_variance = 0;
  double standardised(int64_t i) const { return (values[i] * scale - mean) / deviation; }
  void release_sums() {
    Buffer<uint32_t>().swap(twice_ranks);
    Buffer<double>().swap(row_sums);
  }
};

/**
 * The reference's passes, regrouped so that the order is gone through once: the row sums and average
 * ranks are computed in sorted order (each point's standardised value computed from the column at its
 * index, one random read) and scattered by index in the same pass (with the target's positions). Every
 * sum still adds the same terms in the same order as the reference: Σv (the reference's `total`, and
 * again its `sum`, the same sum) and Σv² in index order, `below` in sorted order, Σ row sums and Σ row
 * sums² in index order after the scatter. The column is sorted before anything else of it is allocated,
 * so that the sort's scratch (20 bytes a row) is not held beside it.
 */
std::optional<Column> prepare_column(const double* values, int64_t n, bool with_positions, Buffer<int32_t>* given_order = nullptr) {
  if (n < 2) return std::nullopt;
  const double count = static_cast<double>(n);
  const double scale = unit_scale(values, n);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += values[i] * scale;
  mean /= count;
  double variance = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = values[i] * scale - mean;
    const double square = d * d;
    variance += square;
  }
  const double deviation = std::sqrt(variance / count);
  if (!(deviation > 0)) return std::nullopt;
  Column column;
  column.values = values;
  column.scale = scale;
  column.mean = mean;
  column.deviation = deviation;
  double total = 0, sum_squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double value = column.standardised(i);
    const double square = value * value;
    total += value;
    sum_squares += square;
  }
  // Ordered and ranked by the values themselves (as the reference): 1e-300 beside 1e300 standardises to
  // its neighbours' number but keeps its rank; the order still sorts the standardised values.
  // `given_order`: the values' stable sort order, known already (a pair's share of its target's sort).
  column.order = given_order != nullptr ? std::move(*given_order) : stable_argsort(values, n);
  const int32_t* order = column.order.data();
  // distanceRowSums and averageRanks in sorted order, scattered by index.
  column.row_sums.resize(n);
  column.twice_ranks.resize(n);
  if (with_positions) column.positions.resize(n);
  double* row_sums = column.row_sums.data();
  uint32_t* twice_ranks = column.twice_ranks.data();
  int32_t* positions = column.positions.data();
  double below = 0;
  for (int64_t start = 0; start < n;) {
    int64_t end = start + 1;
    // A run of equal values (equal values standardise equally, so this is the reference's run of equal
    // standardised values that are equal values).
    const double run_value = values[order[start]];
    while (end < n && values[order[end]] == run_value) ++end;
    const uint32_t twice_rank = static_cast<uint32_t>(start + end + 1);  // ≤ 2n < 2^32
    for (int64_t p = start; p < end; ++p) {
      const int32_t index = order[p];
      const double value = column.standardised(index);
      const double a = value * static_cast<double>(p), b = value * static_cast<double>(n - p - 1);
      row_sums[index] = a - below + (total - below - value) - b;
      twice_ranks[index] = twice_rank;
      if (with_positions) positions[index] = static_cast<int32_t>(p);
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
  column.total = total;
  if (with_positions) Buffer<int32_t>().swap(column.order);  // the target: its positions stand for it
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
// a lower point m that follows it in v order. One pass from the block's last point to its first does the
// split (each half is filled from its end) and keeps running sums SV, SU, SUV and the count c of the
// lower points passed so far, those that follow the current point, so an upper point r adds
//
//   Σ_{m after r} (u_r − u_m)(v_m − v_r) = u_r·SV − u_r v_r·c − SUV + v_r·SU.
//
// The halves are then summed the same way; blocks of at most kLeafSize points sum their discordant pairs
// directly. Every pair is counted once, in the block where its positions are first split. The sums are
// taken in a fixed order that does not depend on the number of threads: a block's D is
// (cross + lower half's D) + upper half's D, each part with its own accumulator.
constexpr int64_t kLeafSize = 8;
// Blocks at least this large have their halves summed on two threads (while threads remain).
constexpr int64_t kParallelBlock = int64_t{1} << 15;

/**
 * A point of a block: v, u and its position in u order. 20 bytes (packed: 16 of values, 4 of position),
 * where v, u, their product and the position as a double took 32: the product u·v is computed again where
 * it is read (the same rounded product each time, so every sum is the same), and positions are below
 * 2^31 (n < 2^31, as the orders' int32 indices).
 */
#pragma pack(push, 4)
struct Point {
  double v, u;
  int32_t position;
};
#pragma pack(pop)
static_assert(sizeof(Point) == 20, "a block's point is 20 bytes");

/**
 * The points (n) and the spare half (n / 2) that a block's split borrows: a block is split in place, its
 * lower half going to the spare and back (see split_and_sum_across), so the scratch is 30 bytes a row,
 * not the 40 of two whole buffers. A block of size s borrows s / 2 spare points from its own offset
 * there; its halves borrow (s / 2) / 2 and (s − s / 2) / 2, side by side in the same room, so two threads
 * can sum them at once. The spare is allocated only once the points are built (distance_product_sum), so
 * that the feature's order can be freed first.
 */
struct BlockScratch {
  Buffer<Point> points, spare;
  Point* at(int64_t from) { return points.data() + from; }
  Point* spare_at(int64_t from) { return spare.data() + from; }
};

/**
 * `value` where `keep`, else +0, by a mask on its bits: GCC turns a select or a product by 0 or 1 into a
 * branch, which mispredicts where the condition is random. Adding +0 leaves a sum as it is.
 */
inline double kept(bool keep, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits &= uint64_t{0} - static_cast<uint64_t>(keep);
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/**
 * D of a small block directly: the pairs a before b in v order whose positions are reversed, summed per
 * b (each b's pairs in their own sum, so that the rows' additions can overlap), the rows then in order.
 */
MILENS_NOINLINE double leaf_discordant_sum(const Point* block, int64_t size) {
  double sum = 0;
  for (int64_t b = 1; b < size; ++b) {
    const Point last = block[b];
    double row = 0;
    for (int64_t a = 0; a < b; ++a) {
      const double du = block[a].u - last.u, dv = last.v - block[a].v;
      const double term = du * dv;
      row += kept(block[a].position > last.position, term);
    }
    sum += row;
  }
  return sum;
}

/**
 * Splits a block's points (in v order) stably into those at positions below `split` (block[0..lower),
 * by way of spare[0..lower)) and the rest (block[lower..size)), and returns the D of the pairs across the
 * halves. The pass runs backwards and has no branches (the halves are random): each point is written to
 * the last free slot of both halves (the spare's for a lower point, the block's own for an upper one: that
 * slot is never before the point being read, so nothing unread is overwritten), and only its own half's
 * slot is then taken; the other copy is overwritten by a later point, by the final copy of the lower half
 * into the block, or (once the spare is full) lands in `overflow`. Storing to both costs less than one
 * store to an address chosen by the point (6.6 → 3.6 ns a point and level, standalone). Its values are weighted by 1 or 0,
 * so that an upper point's term, and a lower point's values, are added to their sums or a zero is. Adding
 * a zero leaves a sum as it is (the sums start at +0, so are never −0), and so does an upper point's term
 * before any lower point (every product in it is ±0).
 */
MILENS_NOINLINE double split_and_sum_across(Point* block, Point* spare, int64_t size, int64_t lower, int64_t split) {
  int64_t next_lower = lower, next_upper = size;
  double sum_v = 0, sum_u = 0, sum_uv = 0, lowers_after = 0, across = 0;
  Point overflow;
  for (int64_t q = size - 1; q >= 0; --q) {
    const Point point = block[q];
    const bool is_lower = point.position < split;
    *(next_lower > 0 ? spare + next_lower - 1 : &overflow) = point;
    block[next_upper - 1] = point;
    next_lower -= is_lower;
    next_upper -= !is_lower;
    const double uv = point.u * point.v;
    const double lower_weight = static_cast<double>(is_lower), upper_weight = 1 - lower_weight;
    const double a = point.u * sum_v, b = uv * lowers_after, d = point.v * sum_u;
    const double term = a - b - sum_uv + d;
    const double weighted_term = term * upper_weight, weighted_v = point.v * lower_weight, weighted_u = point.u * lower_weight,
                 weighted_uv = uv * lower_weight;
    across += weighted_term;
    sum_v += weighted_v;
    sum_u += weighted_u;
    sum_uv += weighted_uv;
    lowers_after += lower_weight;
  }
  std::memcpy(static_cast<void*>(block), spare, static_cast<size_t>(lower) * sizeof(Point));
  return across;
}


double split_and_sum_across(BlockScratch& scratch, int64_t from, int64_t spare_from, int64_t size, int64_t lower, int64_t split) {
  Point* block = scratch.at(from);
  Point* spare = scratch.spare_at(spare_from);
  return split_and_sum_across(block, spare, size, lower, split);
}

/**
 * D of a block: points from..from+size, holding positions first..first+size (see split_and_sum_across),
 * with spare points from spare_from (size / 2 of them, see BlockScratch); halves of large blocks go to two
 * threads while `threads` > 1.
 */
double block_discordant_sum(BlockScratch& scratch, int64_t from, int64_t spare_from, int64_t first, int64_t size, int threads) {
  if (size <= kLeafSize) return leaf_discordant_sum(scratch.at(from), size);
  const int64_t lower = size / 2;
  const double across = split_and_sum_across(scratch, from, spare_from, size, lower, first + lower);
  const int64_t upper_spare_from = spare_from + lower / 2;  // after the lower half's lower / 2 spare points
  if (threads < 2 || size < kParallelBlock) {
    const double lower_sum = block_discordant_sum(scratch, from, spare_from, first, lower, 1);
    const double upper_sum = block_discordant_sum(scratch, from + lower, upper_spare_from, first + lower, size - lower, 1);
    return across + lower_sum + upper_sum;
  }
  double halves[2];
  parallel_for(0, 2, 1, [&](int, int64_t begin, int64_t end) {
    for (int64_t half = begin; half < end; ++half) {
      const int64_t offset = half == 0 ? 0 : lower, half_size = half == 0 ? lower : size - lower;
      halves[half] = block_discordant_sum(scratch, from + offset, half == 0 ? spare_from : upper_spare_from, first + offset, half_size, threads / 2);
    }
  });
  return across + halves[0] + halves[1];
}

/**
 * Σ_ij |u_i − u_j||v_i − v_j| with u = by_position's standardised values (through its positions) and v =
 * by_order's; `threads` > 1 splits the work (the result does not depend on it). sum_uv is Σ u_i·v_i in
 * index order (linear_sums' product sum: the same products in the same order), and Σ u_i, Σ v_i are the
 * columns' totals (the same sums in the same order as the reference's loop here). With `release_order`,
 * by_order's order is freed once the points are built, before the spare is allocated.
 */
double distance_product_sum(Column& by_order, const Column& by_position, int64_t n, double sum_uv, BlockScratch& scratch, int threads,
                            bool release_order) {
  scratch.points.resize(std::max<int64_t>(n, 1));
  Point* points = scratch.at(0);
  const int32_t* order = by_order.order.data();
  const int32_t* positions = by_position.positions.data();
  for (int64_t q = 0; q < n; ++q) {
    const int32_t index = order[q];  // random reads of the two columns and the positions, at one index
    points[q] = {by_order.standardised(index), by_position.standardised(index), positions[index]};
  }
  if (release_order) Buffer<int32_t>().swap(by_order.order);
  scratch.spare.resize(std::max<int64_t>(n / 2, 1));
  const double sum_u = by_position.total, sum_v = by_order.total;
  const double n_sum_uv = static_cast<double>(n) * sum_uv, sums = sum_u * sum_v;
  const double signed_sum = n_sum_uv - sums;
  const double discordant = block_discordant_sum(scratch, 0, 0, 0, n, threads);
  const double twice_discordant = 2 * discordant;
  return 2 * (signed_sum + twice_discordant);
}

/** What the measures of one target need besides the columns: scratch for n points and the threads it may use. */
struct PairScratch {
  BlockScratch blocks;
  int threads;
};

/** The measures' O(n) sums over a feature (a) and the target (b), and the two that need nothing else. */
struct LinearSums {
  double product = 0;       // Σ u_i v_i in index order
  double row_products = 0;  // Σ a.row_sums[i] · b.row_sums[i]
  double a_total = 0, b_total = 0;
  double pearson = 0, spearman = 0;
};

LinearSums linear_sums(const Column& a, const Column& b, int64_t n) {
  LinearSums sums;
  for (int64_t i = 0; i < n; ++i) {
    const double p = b.standardised(i) * a.standardised(i);  // u·v, as the distance sum's Σ u_i v_i
    sums.product += p;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.row_sums[i] * b.row_sums[i];
    sums.row_products += p;
    sums.a_total += a.row_sums[i];
    sums.b_total += b.row_sums[i];
  }
  sums.pearson = clamp_unit(sums.product / static_cast<double>(n));
  sums.spearman = pearson_of_ranks(a.twice_ranks.data(), b.twice_ranks.data(), n);
  return sums;
}

/**
 * The distance sum of a feature (a, its order present) and the target (b, its positions), then
 * [pearson, spearman, dcor] from it and the O(n) sums, NaN for null. With `release_order` a's order is
 * freed before the sum's spare is allocated.
 */
void finish_measures(Column& a, const Column& b, const LinearSums& sums, int64_t n, PairScratch& scratch, bool release_order, double* out) {
  const double count = static_cast<double>(n);
  out[0] = sums.pearson;
  out[1] = sums.spearman;
  const double products = distance_product_sum(a, b, n, sums.product, scratch.blocks, scratch.threads, release_order);
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * sums.row_products, totals = sums.a_total * sums.b_total;
  const double covariance = products / nn - two_rows / nnn + totals / nnnn;
  double dcor_squared = std::numeric_limits<double>::quiet_NaN();
  if (a.distance_variance > 0 && b.distance_variance > 0) {
    const double variances = a.distance_variance * b.distance_variance;
    dcor_squared = covariance / std::sqrt(variances);
  }
  out[2] = dcor_squared == dcor_squared ? std::sqrt(std::max(0.0, std::min(1.0, dcor_squared))) : std::numeric_limits<double>::quiet_NaN();
}

void set_null(double* out) { out[0] = out[1] = out[2] = std::numeric_limits<double>::quiet_NaN(); }

/**
 * correlationsOf() of the reference: [pearson, spearman, dcor] of a feature (a) and the target (b), NaN for
 * null. The distance sum comes last, so that with `release` the feature's ranks and row sums (12 bytes a
 * row) are freed before its scratch is filled, and its order once the points are built; every sum is the
 * same, in the same order.
 */
void measures_with_target(std::optional<Column>& feature, const std::optional<Column>& target, int64_t n, PairScratch& scratch, double* out,
                          bool release = false) {
  if (!feature || !target) return set_null(out);
  const LinearSums sums = linear_sums(*feature, *target, n);
  if (release) feature->release_sums();
  finish_measures(*feature, *target, sums, n, scratch, release, out);
}

/** Above this many rows, correlation_measures takes one feature at a time to bound its memory. */
constexpr int64_t kFeaturesPerThreadMaxPoints = int64_t{1} << 20;

/**
 * A tall table: one feature at a time with every thread on its distance sum, so that one feature's
 * working copies and one scratch are held, not one of each per thread. First every feature's O(n) sums
 * (its sort, ranks and row sums, then freed), so that the target's ranks and row sums (12 bytes a row)
 * are freed before any distance sum; then each feature's distance sum, from its order sorted again (the
 * last feature's order is kept from the first pass and its sum taken first: one sort fewer). Each
 * feature's measures are the same as in one pass, the same sums in the same order.
 */
void tall_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures) {
  std::optional<Column> target_column = prepare_column(target, n, true);
  if (!target_column) {
    for (int64_t f = 0; f < feature_count; ++f) set_null(measures + 3 * f);
    return;
  }
  std::vector<std::optional<Column>> columns(feature_count);
  std::vector<LinearSums> sums(feature_count);
  for (int64_t f = 0; f < feature_count; ++f) {
    columns[f] = prepare_column(features[f], n, false);
    if (!columns[f]) continue;
    sums[f] = linear_sums(*columns[f], *target_column, n);
    columns[f]->release_sums();
    if (f != feature_count - 1) Buffer<int32_t>().swap(columns[f]->order);
  }
  target_column->release_sums();
  for (int64_t step = 0; step < feature_count; ++step) {
    const int64_t f = step == 0 ? feature_count - 1 : step - 1;
    double* out = measures + 3 * f;
    if (!columns[f]) {
      set_null(out);
      continue;
    }
    if (f != feature_count - 1) columns[f]->order = stable_argsort(features[f], n);  // as prepare_column sorted it
    PairScratch scratch{BlockScratch(), hardware_threads()};
    finish_measures(*columns[f], *target_column, sums[f], n, scratch, true, out);
    columns[f].reset();
  }
}

}  // namespace

void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures) {
  if (feature_count == 0) return;
  if (feature_count == 1) {
    std::optional<Column> target_column, feature_column;
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(target, n, true);
        else feature_column = prepare_column(features[0], n, false);
      }
    });
    if (!feature_column || !target_column) return set_null(measures);
    const LinearSums sums = linear_sums(*feature_column, *target_column, n);
    feature_column->release_sums();
    target_column->release_sums();  // the one feature's O(n) sums are taken: the target needs only its positions
    PairScratch scratch{BlockScratch(), hardware_threads()};
    finish_measures(*feature_column, *target_column, sums, n, scratch, true, measures);
    return;
  }
  if (n > kFeaturesPerThreadMaxPoints) return tall_measures(target, n, features, feature_count, measures);
  const std::optional<Column> target_column = prepare_column(target, n, true);
  // Features handed out one at a time (their costs differ: ties, sort runs), each thread's scratch
  // reused by the features it takes.
  std::vector<PairScratch> scratches(hardware_threads(), PairScratch{BlockScratch(), 1});
  parallel_tasks(feature_count, [&](int worker, int64_t f) {
    std::optional<Column> feature = prepare_column(features[f], n, false);
    measures_with_target(feature, target_column, n, scratches[worker], measures + 3 * f);
  });
}

/**
 * correlation_measures of each feature with the target on the rows where both are finite (pairs with
 * missing cells): rows_kept[f] receives that number and measures + 3f what correlation_measures gives on
 * the pair picked out first, bit for bit (NaN where it gives NaN, as for fewer than 2 rows). The target's
 * finite rows are sorted once for all the features (complete_rows.h); the pairs run side by side on the
 * threads like correlation_measures' features, or one at a time with every thread on a tall table.
 */
void correlation_measures_on_complete_rows(const double* target, int64_t n, const double* const* features, int64_t feature_count,
                                           double* measures, int64_t* rows_kept) {
  if (feature_count == 0) return;
  // A single pair sorts its own target rows, beside its feature.
  const bool shared_sort = feature_count > 1;
  const Buffer<int32_t> target_rows_in_order = shared_sort ? finite_rows_in_order(target, n) : Buffer<int32_t>();
  // The pair's columns read its picked values (Column keeps a pointer to them), so `pair` outlives them.
  auto pair_measures = [&](int64_t f, PairScratch* thread_scratch) {
    CompletePair pair = pick_complete_pair(target, features[f], n, shared_sort ? &target_rows_in_order : nullptr);
    const int64_t rows = pair.rows;
    rows_kept[f] = rows;
    double* out = measures + 3 * f;
    Buffer<int32_t>* known_order = shared_sort ? &pair.y_order : nullptr;
    if (thread_scratch != nullptr) {  // pairs side by side on the threads, as correlation_measures' features
      const std::optional<Column> target_column = prepare_column(pair.y.data(), rows, true, known_order);
      std::optional<Column> feature_column = prepare_column(pair.x.data(), rows, false);
      measures_with_target(feature_column, target_column, rows, *thread_scratch, out);
      return;
    }
    // One pair at a time (a single feature, or a tall table), as correlation_measures' single feature.
    std::optional<Column> target_column, feature_column;
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(pair.y.data(), rows, true, known_order);
        else feature_column = prepare_column(pair.x.data(), rows, false);
      }
    });
    if (!feature_column || !target_column) return set_null(out);
    const LinearSums sums = linear_sums(*feature_column, *target_column, rows);
    feature_column->release_sums();
    target_column->release_sums();
    PairScratch scratch{BlockScratch(), hardware_threads()};
    finish_measures(*feature_column, *target_column, sums, rows, scratch, true, out);
  };
  if (feature_count >= hardware_threads() && n <= kFeaturesPerThreadMaxPoints) {
    std::vector<PairScratch> scratches(hardware_threads(), PairScratch{BlockScratch(), 1});  // one per thread
    parallel_tasks(feature_count, [&](int worker, int64_t f) { pair_measures(f, &scratches[worker]); });
    return;
  }
  for (int64_t f = 0; f < feature_count; ++f) pair_measures(f, nullptr);
}

}  // namespace milens::cpu

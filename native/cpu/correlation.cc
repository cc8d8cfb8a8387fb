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
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "simd_dispatch.h"

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

/** A point of the target as distance_product_sum reads it through a feature's order: its value and position. */
struct PositionedValue {
  double value;
  int32_t position;  // in the target's order (the inverse of `order`)
};

/**
 * prepareCorrelationColumn() of the reference, as the measures read it. A feature keeps its standardised
 * values by index (the product sum), in sorted order and its order (the distance sum's gather); the
 * target keeps only `positioned` (its standardised values by index, with their positions), so its sorted
 * copy, order and `standardised` are freed once it is prepared: 20 bytes a row less on a tall table.
 */
struct Column {
  Buffer<double> standardised, sorted, row_sums;
  Buffer<uint32_t> twice_ranks;  // 2 × the average rank (see pearson_of_ranks)
  Buffer<int32_t> order;
  Buffer<PositionedValue> positioned;  // the target's only: standardised[i] and i's position, by index i
  double total = 0;                    // Σ standardised[i] in index order
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
  column.standardised.resize(n);
  double* v = column.standardised.data();
  double total = 0, sum_squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double value = (values[i] * scale - mean) / deviation;
    v[i] = value;
    const double square = value * value;
    total += value;
    sum_squares += square;
  }
  // Ordered and ranked by the values themselves (as the reference): 1e-300 beside 1e300 standardises to
  // its neighbours' number but keeps its rank; the order still sorts the standardised values.
  // `given_order`: the values' stable sort order, known already (a pair's share of its target's sort).
  column.order = given_order != nullptr ? std::move(*given_order) : stable_argsort(values, n);
  const int32_t* order = column.order.data();
  column.sorted.resize(n);
  double* sorted = column.sorted.data();
  for (int64_t p = 0; p < n; ++p) sorted[p] = v[order[p]];
  // distanceRowSums and averageRanks in sorted order, scattered by index.
  column.row_sums.resize(n);
  column.twice_ranks.resize(n);
  if (with_positions) column.positioned.resize(n);
  double* row_sums = column.row_sums.data();
  uint32_t* twice_ranks = column.twice_ranks.data();
  PositionedValue* positioned = column.positioned.data();
  double below = 0;
  for (int64_t start = 0; start < n;) {
    int64_t end = start + 1;
    // Equal values standardise equally: the values (a random read) are compared only where the standardised ones tie.
    while (end < n && sorted[end] == sorted[start] && values[order[end]] == values[order[start]]) ++end;
    const uint32_t twice_rank = static_cast<uint32_t>(start + end + 1);  // ≤ 2n < 2^32
    for (int64_t p = start; p < end; ++p) {
      const double value = sorted[p];
      const double a = value * static_cast<double>(p), b = value * static_cast<double>(n - p - 1);
      const int32_t index = order[p];
      row_sums[index] = a - below + (total - below - value) - b;
      twice_ranks[index] = twice_rank;
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
  column.total = total;
  if (with_positions) {  // the target: `positioned` holds all that the measures read of it
    Buffer<double>().swap(column.standardised);
    Buffer<double>().swap(column.sorted);
    Buffer<int32_t>().swap(column.order);
  }
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
 * A point of a block: v, u, their product (the same in every block, so computed once) and its position in
 * u order, a whole number held as a double (exact below 2^53). 32 bytes: one AVX2 register.
 */
struct alignas(32) Point {
  double v, u, uv, position;
};

/**
 * The points (n) and the spare half (n / 2) that a block's split borrows: a block is split in place, its
 * lower half going to the spare and back (see split_and_sum_across), so the scratch is 48 bytes a row,
 * not the 64 of two whole buffers. A block of size s borrows s / 2 spare points from its own offset
 * there; its halves borrow (s / 2) / 2 and (s − s / 2) / 2, side by side in the same room, so two threads
 * can sum them at once.
 */
struct BlockScratch {
  std::unique_ptr<Point[]> points, spare;
  bool avx2;
  BlockScratch(int64_t n, bool avx2)
      : points(new Point[std::max<int64_t>(n, 1)]), spare(new Point[std::max<int64_t>(n / 2, 1)]), avx2(avx2) {}
  Point* at(int64_t from) { return points.get() + from; }
  Point* spare_at(int64_t from) { return spare.get() + from; }
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
 * halves. The pass runs backwards and has no branches (the halves are random): each point goes to the
 * last free slot of its half (an upper point to the block itself: its slot is never before the point
 * being read, so nothing unread is overwritten; a lower one to the spare), and
 * its values are weighted by 1 or 0, so that an upper point's term, and a lower point's values, are added
 * to their sums or a zero is. Adding a zero leaves a sum as it is (the sums start at +0, so are never −0),
 * and so does an upper point's term before any lower point (every product in it is ±0).
 */
MILENS_NOINLINE double split_and_sum_across(Point* block, Point* spare, int64_t size, int64_t lower, int64_t split) {
  const double split_position = static_cast<double>(split);
  int64_t next_lower = lower, next_upper = size;
  double sum_v = 0, sum_u = 0, sum_uv = 0, lowers_after = 0, across = 0;
  for (int64_t q = size - 1; q >= 0; --q) {
    const Point point = block[q];
    const bool is_lower = point.position < split_position;
    next_lower -= is_lower;
    next_upper -= !is_lower;
    *(is_lower ? spare + next_lower : block + next_upper) = point;
    const double lower_weight = static_cast<double>(is_lower), upper_weight = 1 - lower_weight;
    const double a = point.u * sum_v, b = point.uv * lowers_after, d = point.v * sum_u;
    const double term = a - b - sum_uv + d;
    const double weighted_term = term * upper_weight, weighted_v = point.v * lower_weight, weighted_u = point.u * lower_weight,
                 weighted_uv = point.uv * lower_weight;
    across += weighted_term;
    sum_v += weighted_v;
    sum_u += weighted_u;
    sum_uv += weighted_uv;
    lowers_after += lower_weight;
  }
  std::memcpy(static_cast<void*>(block), spare, static_cast<size_t>(lower) * sizeof(Point));
  return across;
}

#ifdef MILENS_X86_DISPATCH
/**
 * split_and_sum_across with a point in one AVX2 register: the sums (SV, SU, SUV, c) are one register, to
 * which (v, u, uv, 1) or zeros are added, and the term's products (u·SV, uv·c, 1·SUV, v·SU) are one
 * multiplication, zeroed for a lower point. Each lane does the scalar loop's arithmetic (1·SUV = SUV, and
 * adding +0 leaves a sum as it is), and the term is summed in the same order, so the result is the same.
 */
__attribute__((target("avx2"))) MILENS_NOINLINE double split_and_sum_across_avx2(Point* block, Point* spare, int64_t size, int64_t lower,
                                                                                  int64_t split) {
  const __m256d split_position = _mm256_set1_pd(static_cast<double>(split));
  const __m256d one_last = _mm256_setr_pd(0, 0, 0, 1);
  int64_t next_lower = lower, next_upper = size;
  __m256d sums = _mm256_setzero_pd();  // SV, SU, SUV, c
  double across = 0;
  for (int64_t q = size - 1; q >= 0; --q) {
    const __m256d point = _mm256_load_pd(&block[q].v);
    const __m256d position = _mm256_permute4x64_pd(point, 0xFF);
    const __m256d lower_mask = _mm256_cmp_pd(position, split_position, _CMP_LT_OQ);
    const int64_t is_lower = _mm256_movemask_pd(lower_mask) & 1;
    next_lower -= is_lower;
    next_upper -= 1 - is_lower;
    _mm256_store_pd(&(is_lower ? spare + next_lower : block + next_upper)->v, point);
    const __m256d values = _mm256_blend_pd(point, one_last, 0x8);                // v, u, uv, 1
    const __m256d factors = _mm256_permute4x64_pd(values, _MM_SHUFFLE(0, 3, 2, 1));  // u, uv, 1, v
    const __m256d paired = _mm256_permute4x64_pd(sums, _MM_SHUFFLE(1, 2, 3, 0));     // SV, c, SUV, SU
    const __m256d products = _mm256_andnot_pd(lower_mask, _mm256_mul_pd(factors, paired));
    sums = _mm256_add_pd(sums, _mm256_and_pd(values, lower_mask));
    const __m128d low = _mm256_castpd256_pd128(products), high = _mm256_extractf128_pd(products, 1);
    const double a = _mm_cvtsd_f64(low), b = _mm_cvtsd_f64(_mm_unpackhi_pd(low, low));
    const double c = _mm_cvtsd_f64(high), d = _mm_cvtsd_f64(_mm_unpackhi_pd(high, high));
    const double term = a - b - c + d;
    across += term;
  }
  std::memcpy(static_cast<void*>(block), spare, static_cast<size_t>(lower) * sizeof(Point));
  return across;
}

#endif

double split_and_sum_across(BlockScratch& scratch, int64_t from, int64_t spare_from, int64_t size, int64_t lower, int64_t split) {
  Point* block = scratch.at(from);
  Point* spare = scratch.spare_at(spare_from);
#ifdef MILENS_X86_DISPATCH
  if (scratch.avx2) return split_and_sum_across_avx2(block, spare, size, lower, split);
#endif
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
 * Σ_ij |u_i − u_j||v_i − v_j| with u = by_position's values (its `positioned` points) and v = by_order's;
 * `threads` > 1 splits the work (the result does not depend on it). scratch holds n points. sum_uv is
 * Σ u_i·v_i in index order (measures_of's product sum: the same products in the same order), and Σ u_i,
 * Σ v_i are the columns' totals (the same sums in the same order as the reference's loop here).
 */
double distance_product_sum(const Column& by_order, const Column& by_position, int64_t n, double sum_uv, BlockScratch& scratch, int threads) {
  Point* points = scratch.at(0);
  for (int64_t q = 0; q < n; ++q) {
    const PositionedValue point = by_position.positioned[by_order.order[q]];  // one random read per point
    const double value = by_order.sorted[q];
    points[q] = {value, point.value, point.value * value, static_cast<double>(point.position)};
  }
  const double sum_u = by_position.total, sum_v = by_order.total;
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

/**
 * correlationsOf() of the reference: [pearson, spearman, dcor] of a feature (a) and the target (b), NaN for
 * null. The distance sum comes last, so that with `release_feature` the feature's ranks, row sums and
 * standardised values (20 bytes a row) are freed before its scratch is filled; every sum is the same, in
 * the same order.
 */
void measures_of(Column& a, const Column& b, int64_t n, PairScratch& scratch, bool release_feature, double* out) {
  const double count = static_cast<double>(n);
  double product = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = b.positioned[i].value * a.standardised[i];  // u·v, as the distance sum's Σ u_i v_i
    product += p;
  }
  double row_products = 0, a_total = 0, b_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.row_sums[i] * b.row_sums[i];
    row_products += p;
    a_total += a.row_sums[i];
    b_total += b.row_sums[i];
  }
  out[0] = clamp_unit(product / count);
  out[1] = pearson_of_ranks(a.twice_ranks.data(), b.twice_ranks.data(), n);
  if (release_feature) {
    Buffer<uint32_t>().swap(a.twice_ranks);
    Buffer<double>().swap(a.row_sums);
    Buffer<double>().swap(a.standardised);
  }
  const double products = distance_product_sum(a, b, n, product, scratch.blocks, scratch.threads);
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * row_products, totals = a_total * b_total;
  const double covariance = products / nn - two_rows / nnn + totals / nnnn;
  double dcor_squared = std::numeric_limits<double>::quiet_NaN();
  if (a.distance_variance > 0 && b.distance_variance > 0) {
    const double variances = a.distance_variance * b.distance_variance;
    dcor_squared = covariance / std::sqrt(variances);
  }
  out[2] = dcor_squared == dcor_squared ? std::sqrt(std::max(0.0, std::min(1.0, dcor_squared))) : std::numeric_limits<double>::quiet_NaN();
}

void measures_with_target(std::optional<Column>& feature, const std::optional<Column>& target, int64_t n, PairScratch& scratch, double* out,
                          bool release_feature = false) {
  if (!feature || !target) {
    out[0] = out[1] = out[2] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  measures_of(*feature, *target, n, scratch, release_feature, out);
}

/** Above this many rows, correlation_measures takes one feature at a time to bound its memory. */
constexpr int64_t kFeaturesPerThreadMaxPoints = int64_t{1} << 20;

}  // namespace

void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures) {
  if (feature_count == 0) return;
  const bool avx2 = use_avx2();
  std::optional<Column> target_column;
  if (feature_count == 1) {
    std::optional<Column> feature_column;
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(target, n, true);
        else feature_column = prepare_column(features[0], n, false);
      }
    });
    PairScratch scratch{BlockScratch(n, avx2), hardware_threads()};
    measures_with_target(feature_column, target_column, n, scratch, measures, true);
    return;
  }
  target_column = prepare_column(target, n, true);
  if (n > kFeaturesPerThreadMaxPoints) {
    // A tall table: one feature at a time with every thread on its distance sum, so that one feature's
    // column (32 bytes a row, 12 at its distance sum) and one scratch (48 bytes a row) are held, not one
    // of each per thread. The
    // scratch is the feature's own, freed before the next feature's column (and its sort) is prepared.
    for (int64_t f = 0; f < feature_count; ++f) {
      std::optional<Column> feature = prepare_column(features[f], n, false);
      PairScratch scratch{BlockScratch(n, avx2), hardware_threads()};
      measures_with_target(feature, target_column, n, scratch, measures + 3 * f, true);
    }
    return;
  }
  parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
    PairScratch scratch{BlockScratch(n, avx2), 1};  // one per thread, reused by its features
    for (int64_t f = from; f < to; ++f) {
      std::optional<Column> feature = prepare_column(features[f], n, false);
      measures_with_target(feature, target_column, n, scratch, measures + 3 * f);
    }
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
  const bool avx2 = use_avx2();
  // A single pair sorts its own target rows, beside its feature.
  const Buffer<int32_t> target_rows_in_order = feature_count > 1 ? finite_rows_in_order(target, n) : Buffer<int32_t>();
  auto pair_measures = [&](int64_t f, PairScratch* shared_scratch, bool release_feature) {
    CompletePair pair = pick_complete_pair(target, features[f], n, feature_count > 1 ? &target_rows_in_order : nullptr);
    rows_kept[f] = pair.rows;
    std::optional<Column> target_column, feature_column;
    Buffer<int32_t>* known_order = feature_count > 1 ? &pair.y_order : nullptr;
    // Pairs side by side on the threads: each prepares its two columns in turn; one pair at a time (a
    // tall table, or a single feature): its two columns side by side.
    parallel_for(0, shared_scratch != nullptr ? 1 : 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(pair.y.data(), pair.rows, true, known_order);
        else feature_column = prepare_column(pair.x.data(), pair.rows, false);
      }
    });
    if (shared_scratch != nullptr) feature_column = prepare_column(pair.x.data(), pair.rows, false);
    Buffer<double>().swap(pair.x);
    Buffer<double>().swap(pair.y);
    if (shared_scratch != nullptr) {
      measures_with_target(feature_column, target_column, pair.rows, *shared_scratch, measures + 3 * f, release_feature);
      return;
    }
    PairScratch scratch{BlockScratch(pair.rows, avx2), hardware_threads()};
    measures_with_target(feature_column, target_column, pair.rows, scratch, measures + 3 * f, release_feature);
  };
  if (feature_count >= hardware_threads() && n <= kFeaturesPerThreadMaxPoints) {
    parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
      PairScratch scratch{BlockScratch(n, avx2), 1};  // one per thread, reused by its pairs (each ≤ n rows)
      for (int64_t f = from; f < to; ++f) pair_measures(f, &scratch, false);
    });
    return;
  }
  for (int64_t f = 0; f < feature_count; ++f) pair_measures(f, nullptr, true);
}

}  // namespace milens::cpu

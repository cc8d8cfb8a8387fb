// The tie rule of main/mi/tie-rule.ts (prepareContinuous) in native code, for every non-constant column:
// scale by the standard deviation without centring (values near overflow brought near 1 first), spread
// exact ties over bands of a quarter of the gap to the nearest other distinct value (dense ranks first
// where a band is too narrow for float64), then noise of scikit-learn's scale, 1e-10 · max(1, mean|x|)
// · U(−1, 1). A column without ties (proved by a hash pass) skips straight to the noise; one with a few
// collisions (at most 1,024 distinct tied values and n / 64 repeated rows, named by the hash pass) finds
// their bands in one pass over the rows; any other is radix-sorted once (radix_sort.h) and its blocks of
// equal values give every tied row its band. Constant columns are declined (the caller reports them
// without preparing anything).
//
// Bit-identical to the TypeScript, which stays the oracle (test/main/mi/tie-rule-native.test.ts): the sums
// run in the same order (row order), the generator is the same xoshiro128** seeded through splitmix32
// (main/mi/random.ts) with the same 53-bit floats, drawn for the same rows in the same order, and each
// product is rounded before it is added (separate statements, so no compiler fuses them into an FMA).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"
#include "radix_sort.h"
#include "seeded_random.h"

namespace milens::cpu {
namespace {

/** Canonical bits of a present value (−0 as +0) mixed by an odd multiplier: a bijection on 64 bits, so two
 * values are equal exactly when their hashes are. NaN is never hashed, so kNoValue (a NaN's hash) marks
 * an empty slot. */
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kNoValue = 0x7ff8000000000000ull * kGolden;

inline uint64_t value_hash(double value) {
  if (value == 0) value = 0;
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits * kGolden;
}

/** The inverse of kGolden modulo 2^64 (Newton's iteration, each step doubling the correct low bits). */
constexpr uint64_t golden_inverse() {
  uint64_t inverse = kGolden;  // correct to 3 bits (an odd number is its own inverse modulo 8)
  for (int step = 0; step < 5; ++step) inverse *= 2 - kGolden * inverse;
  return inverse;
}
static_assert(kGolden * golden_inverse() == 1, "the hash is a bijection");

/** The value a hash was made of (+0 for a zero). */
inline double value_of_hash(uint64_t hash) {
  const uint64_t bits = hash * golden_inverse();
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/** What tied_values looks for, and stops looking past. */
struct TieLimits {
  size_t values;    // distinct tied values
  int64_t repeats;  // rows beyond the first of each tied value
};

/**
 * Adds to `tied` each hash that occurs more than once among `count` hashes, once (open addressing in a
 * table twice their number, a flag per slot for a hash already added), and to `repeats` the rows beyond
 * a hash's first; stops, returning false, once either passes its limit.
 */
bool add_repeated_hashes(const uint64_t* hashes, int64_t count, const TieLimits& limits, std::vector<uint64_t>& slots, std::vector<uint8_t>& added,
                         std::vector<uint64_t>& tied, int64_t& repeats) {
  uint64_t capacity = 16;
  while (capacity < static_cast<uint64_t>(2 * count)) capacity *= 2;
  slots.assign(capacity, kNoValue);
  added.clear();  // sized at the part's first repeat: most columns have none
  const uint64_t mask = capacity - 1;
  for (int64_t i = 0; i < count; ++i) {
    const uint64_t hash = hashes[i];
    for (uint64_t slot = (hash >> 20) & mask;; slot = (slot + 1) & mask) {
      if (slots[slot] == kNoValue) {
        slots[slot] = hash;
        break;
      }
      if (slots[slot] == hash) {
        if (added.empty()) added.assign(capacity, 0);
        if (!added[slot]) tied.push_back(hash);
        added[slot] = 1;
        if (++repeats > limits.repeats || tied.size() > limits.values) return false;
        break;
      }
    }
  }
  return true;
}

/**
 * The distinct present (non-NaN) values that occur more than once (−0 and +0 one value, given as +0),
 * ascending; empty when the column has no ties, nullopt when it has more of them than the limits allow
 * (found without reading the rest). The hashes are first partitioned by their top bits into parts of about
 * 4,096, and each part is checked in its own small table: one table for a million values (16 MB) missed
 * the cache on nearly every probe and took several times longer. Equal hashes share their top bits, so
 * they land in the same part.
 */
std::optional<std::vector<double>> tied_values(const double* values, int64_t n, const TieLimits& limits) {
  std::vector<uint64_t> hashes;
  hashes.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] == values[i]) hashes.push_back(value_hash(values[i]));
  }
  const int64_t count = static_cast<int64_t>(hashes.size());
  std::vector<uint64_t> slots, tied;
  std::vector<uint8_t> added;
  int64_t repeats = 0;
  bool within_limits = true;
  int bits = 0;  // parts = 2^bits
  while (bits < 16 && (count >> bits) > 4096) ++bits;
  if (bits == 0) {
    within_limits = add_repeated_hashes(hashes.data(), count, limits, slots, added, tied, repeats);
  } else {
    const int shift = 64 - bits;
    std::vector<int64_t> part_start((int64_t{1} << bits) + 1, 0);
    for (const uint64_t hash : hashes) ++part_start[(hash >> shift) + 1];
    for (size_t p = 1; p < part_start.size(); ++p) part_start[p] += part_start[p - 1];
    std::vector<int64_t> fill(part_start.begin(), part_start.end() - 1);
    std::vector<uint64_t> partitioned(count);
    for (const uint64_t hash : hashes) partitioned[fill[hash >> shift]++] = hash;
    for (size_t p = 0; p + 1 < part_start.size() && within_limits; ++p) {
      within_limits = add_repeated_hashes(partitioned.data() + part_start[p], part_start[p + 1] - part_start[p], limits, slots, added, tied, repeats);
    }
  }
  if (!within_limits) return std::nullopt;
  std::vector<double> ascending(tied.size());
  for (size_t t = 0; t < tied.size(); ++t) ascending[t] = value_of_hash(tied[t]);
  std::sort(ascending.begin(), ascending.end());
  return ascending;
}

/** Relative float64 resolution a band must leave between neighbouring spread values (tie-rule.ts). */
constexpr double kMinRelativeSpacing = 1024 * std::numeric_limits<double>::epsilon();

/** Step 4: noise of scikit-learn's scale, 1e-10 · max(1, mean|x|) · U(−1, 1), one draw per present row. */
void add_distance_tie_noise(double* out, int64_t n, int64_t present, SeededRandom& random) {
  double mean_absolute = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] == out[i]) mean_absolute += std::fabs(out[i]);
  }
  const double amplitude = 1e-10 * std::max(1.0, mean_absolute / static_cast<double>(present));
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] == out[i]) {
      const double unit = 2 * random.next_float() - 1;
      const double noise = amplitude * unit;
      out[i] = out[i] + noise;
    }
  }
}

/**
 * The sorted present values as blocks of equal values: `order` holds the present rows by ascending value
 * (the first `present` entries of a stable argsort, NaN sorting last), and block b is order[start[b],
 * start[b + 1]). Equality is ==, so −0 and +0 share a block, as in the TypeScript.
 */
struct SortedBlocks {
  Buffer<int32_t> order;
  std::vector<int64_t> start;  // blocks + 1 entries
  int64_t blocks() const { return static_cast<int64_t>(start.size()) - 1; }
};

/** (Re)computes the blocks of `sorted.order` for the current values (the order itself must still hold). */
void regroup(SortedBlocks& sorted, const double* values, int64_t present) {
  sorted.start.clear();
  for (int64_t p = 0; p < present; ++p) {
    if (p == 0 || values[sorted.order[p]] != values[sorted.order[p - 1]]) sorted.start.push_back(p);
  }
  sorted.start.push_back(present);
}

SortedBlocks sorted_blocks(const double* values, int64_t n, int64_t present) {
  SortedBlocks sorted{stable_argsort(values, n), {}};
  regroup(sorted, values, present);
  return sorted;
}

/** bandHalfWidth: a quarter of the gap from block b to the nearest other distinct value. */
double band_half_width(const SortedBlocks& sorted, const double* values, int64_t b) {
  const double value = values[sorted.order[sorted.start[b]]];
  const double below = b > 0 ? value - values[sorted.order[sorted.start[b] - 1]] : std::numeric_limits<double>::infinity();
  const double above = b + 1 < sorted.blocks() ? values[sorted.order[sorted.start[b + 1]]] - value : std::numeric_limits<double>::infinity();
  return std::min(below, above) / 4;
}

/**
 * spreadTies of tie-rule.ts: every row of a block of m ≥ 2 equal values gets value + h · U(−1, 1), h its
 * block's half width, drawn in row order. Unless `force`, every tied block is checked first, and a band
 * too narrow for float64 returns false before any value changes or any number is drawn.
 * `half_width` is scratch of n entries. Sets tied_rows.
 */
bool spread_ties(double* values, int64_t n, const SortedBlocks& sorted, SeededRandom& random, bool force, std::vector<double>& half_width,
                 int64_t& tied_rows) {
  tied_rows = 0;
  const int64_t blocks = sorted.blocks();
  bool has_ties = false;
  for (int64_t b = 0; b < blocks && !has_ties; ++b) has_ties = sorted.start[b + 1] - sorted.start[b] > 1;
  if (!has_ties) return true;
  half_width.assign(n, 0);  // 0: the row is not tied (a tied block's half width is never 0)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t count = sorted.start[b + 1] - sorted.start[b];
    if (count < 2) continue;
    const double width = band_half_width(sorted, values, b);
    if (!force) {
      const double spacing = (2 * width) / static_cast<double>(count);
      const double needed = kMinRelativeSpacing * (std::fabs(values[sorted.order[sorted.start[b]]]) + width);
      if (!(spacing > needed)) return false;
    }
    for (int64_t p = sorted.start[b]; p < sorted.start[b + 1]; ++p) half_width[sorted.order[p]] = width;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double width = half_width[i];
    if (width == 0) continue;  // untied or missing
    ++tied_rows;
    const double unit = 2 * random.next_float() - 1;
    const double noise = width * unit;
    values[i] = values[i] + noise;
  }
  return true;
}

/**
 * spread_few_ties takes a column with at most this many distinct tied values (a binary search among
 * them for every row) and repeated rows (where most rows are tied, the sort is quick: its passes skip
 * the digits every key shares, and a run of one value is left as it is).
 */
constexpr size_t kFewTiedValues = 1024;
inline int64_t few_repeated_rows(int64_t n) { return n / 64; }

/** std::lower_bound's index of `value` in `ascending` (not empty), without branches (the rows come in no order). */
inline int64_t lower_bound_of(const std::vector<double>& ascending, double value) {
  const double* base = ascending.data();
  for (size_t length = ascending.size(); length > 1;) {
    const size_t half = length / 2;
    base += half & (size_t{0} - static_cast<size_t>(base[half - 1] < value));  // a mask: GCC made a select a branch
    length -= half;
  }
  return (base - ascending.data()) + (*base < value);
}

/**
 * spread_ties (not forced) for a column with few distinct tied values (`tied`, ascending, from
 * tied_values), without sorting the column: one pass finds each tied value's rows and its nearest
 * other distinct values below and above (the neighbours in sorted order that band_half_width reads),
 * so every band, check and draw is the one spread_ties makes. 9 significant digits at 10^5 rows have a
 * handful of collisions a column, for which the full sort cost more than the rest of the tie rule.
 * Returns false, before any value changes or any number is drawn, where a band is too narrow.
 */
bool spread_few_ties(double* values, int64_t n, const std::vector<double>& tied, SeededRandom& random, int64_t& tied_rows) {
  const int64_t count = static_cast<int64_t>(tied.size());
  std::vector<double> nearest_below(count, -std::numeric_limits<double>::infinity());
  std::vector<double> nearest_above(count, std::numeric_limits<double>::infinity());
  std::vector<int64_t> rows_of(count, 0);
  std::vector<std::pair<int64_t, int32_t>> tied_at;  // (row, tied value), in row order
  for (int64_t i = 0; i < n; ++i) {
    const double value = values[i];
    if (value != value) continue;  // missing
    const int64_t j = lower_bound_of(tied, value);
    if (j < count && tied[j] == value) {  // == : −0 is the tied +0
      ++rows_of[j];
      tied_at.emplace_back(i, static_cast<int32_t>(j));
      continue;
    }
    if (j < count) nearest_below[j] = std::max(nearest_below[j], value);  // tied[j] > value
    if (j > 0) nearest_above[j - 1] = std::min(nearest_above[j - 1], value);  // tied[j − 1] < value
  }
  for (int64_t j = 0; j + 1 < count; ++j) {  // tied values are each other's neighbours too
    nearest_above[j] = std::min(nearest_above[j], tied[j + 1]);
    nearest_below[j + 1] = std::max(nearest_below[j + 1], tied[j]);
  }
  constexpr double kNone = std::numeric_limits<double>::infinity();
  std::vector<double> width(count);
  for (int64_t j = 0; j < count; ++j) {
    // band_half_width: the block's value minus its neighbours (+0 stands for a block of −0 rows: the
    // differences are the same), infinity where there is none.
    const double value = tied[j];
    const double below = nearest_below[j] > -kNone ? value - nearest_below[j] : kNone;
    const double above = nearest_above[j] < kNone ? nearest_above[j] - value : kNone;
    width[j] = std::min(below, above) / 4;
    const double spacing = (2 * width[j]) / static_cast<double>(rows_of[j]);
    const double needed = kMinRelativeSpacing * (std::fabs(value) + width[j]);
    if (!(spacing > needed)) return false;
  }
  tied_rows = static_cast<int64_t>(tied_at.size());
  for (const auto& [row, j] : tied_at) {
    const double unit = 2 * random.next_float() - 1;
    const double noise = width[j] * unit;
    values[row] = values[row] + noise;
  }
  return true;
}

/** toDenseRanks then rescaleToUnitDeviation: each present value becomes its block's index / deviation. */
void to_scaled_dense_ranks(double* values, int64_t n, const SortedBlocks& sorted, int64_t present) {
  for (int64_t b = 0; b < sorted.blocks(); ++b) {
    for (int64_t p = sorted.start[b]; p < sorted.start[b + 1]; ++p) values[sorted.order[p]] = static_cast<double>(b);
  }
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] == values[i]) mean += values[i];
  }
  mean /= static_cast<double>(present);
  double variance = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] == values[i]) {
      const double d = values[i] - mean;
      const double square = d * d;
      variance += square;
    }
  }
  double deviation = std::sqrt(variance / static_cast<double>(present));
  if (deviation == 0 || deviation != deviation) deviation = 1;  // `|| 1`
  for (int64_t i = 0; i < n; ++i) values[i] = values[i] / deviation;
}

/** prepareContinuous of tie-rule.ts, every step, into `out` (n values); false (declined) for a constant column. */
bool prepare_one(const double* raw, int64_t n, uint32_t seed, double* out, int64_t& tied_rows, bool& rank_fallback) {
  tied_rows = 0;
  rank_fallback = false;
  int64_t present = 0;
  double sum = 0, minimum = std::numeric_limits<double>::infinity(), maximum = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    const double value = raw[i];
    if (value - value != 0) {
      out[i] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    out[i] = value;
    ++present;
    sum += value;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  if (present < 2 || minimum == maximum) return false;  // constant
  const double magnitude = std::max(std::fabs(minimum), std::fabs(maximum));
  if (magnitude > 1e150 || !std::isfinite(sum)) {
    // Squares would overflow: bring the values near 1 first (a positive scale changes no MI).
    sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (out[i] != out[i]) continue;
      out[i] = out[i] / magnitude;
      sum += out[i];
    }
  }
  const double count = static_cast<double>(present);
  const double mean = sum / count;
  double variance = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] == out[i]) {
      const double d = out[i] - mean;
      const double square = d * d;
      variance += square;
    }
  }
  const double deviation = std::sqrt(variance / count);
  for (int64_t i = 0; i < n; ++i) out[i] = out[i] / deviation;
  SeededRandom random(seed);
  const std::optional<std::vector<double>> tied = tied_values(out, n, TieLimits{kFewTiedValues, few_repeated_rows(n)});
  if (tied && tied->empty()) {
    add_distance_tie_noise(out, n, present, random);
    return true;
  }
  // Ties (step 2, and step 3 where a band is too narrow): few tied values without a sort, else (or
  // where a band is too narrow, which spread_ties then finds again) through the sorted column.
  if (tied && spread_few_ties(out, n, *tied, random, tied_rows)) {
    add_distance_tie_noise(out, n, present, random);
    return true;
  }
  SortedBlocks sorted = sorted_blocks(out, n, present);
  std::vector<double> half_width;
  if (!spread_ties(out, n, sorted, random, false, half_width, tied_rows)) {
    rank_fallback = true;
    to_scaled_dense_ranks(out, n, sorted, present);
    regroup(sorted, out, present);  // ranks keep the order; rescaled ranks could in principle meet
    spread_ties(out, n, sorted, random, true, half_width, tied_rows);
  }
  add_distance_tie_noise(out, n, present, random);
  return true;
}

}  // namespace

void prepare_continuous(const double* const* columns, const uint32_t* seeds, int64_t column_count, int64_t n, double* prepared,
                        TieRuleOutcome* outcomes) {
  // Columns of uneven cost (a tied column sorts, a tie-free one does not): one at a time to each thread.
  parallel_tasks(column_count, [&](int, int64_t c) {
    int64_t tied_rows = 0;
    bool rank_fallback = false;
    const bool accepted = prepare_one(columns[c], n, seeds[c], prepared + c * n, tied_rows, rank_fallback);
    outcomes[c] = TieRuleOutcome{accepted, rank_fallback, tied_rows};
  });
}

}  // namespace milens::cpu

// The tie rule of main/mi/tie-rule.ts (prepareContinuous) in native code, for every non-constant column:
// scale by the standard deviation without centring (values near overflow brought near 1 first), spread
// exact ties over bands of a quarter of the gap to the nearest other distinct value (dense ranks first
// where a band is too narrow for float64), then noise of scikit-learn's scale, 1e-10 · max(1, mean|x|)
// · U(−1, 1). A column without ties (proved by a hash pass) skips straight to the noise; a tied one is
// radix-sorted once (radix_sort.h) and its blocks of equal values give every tied row its band. Constant
// columns are declined (the caller reports them without preparing anything).
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

/** True when two of the hashes are equal: open addressing in a table twice their number. */
bool has_duplicate_hashes(const uint64_t* hashes, int64_t count, std::vector<uint64_t>& slots) {
  uint64_t capacity = 16;
  while (capacity < static_cast<uint64_t>(2 * count)) capacity *= 2;
  slots.assign(capacity, kNoValue);
  const uint64_t mask = capacity - 1;
  for (int64_t i = 0; i < count; ++i) {
    const uint64_t hash = hashes[i];
    for (uint64_t slot = (hash >> 20) & mask;; slot = (slot + 1) & mask) {
      if (slots[slot] == kNoValue) {
        slots[slot] = hash;
        break;
      }
      if (slots[slot] == hash) return true;
    }
  }
  return false;
}

/**
 * True when two present (non-NaN) values are equal (−0 equals +0). The hashes are first partitioned by
 * their top bits into parts of about 4,096, and each part is checked in its own small table: one table
 * for a million values (16 MB) missed the cache on nearly every probe and took several times longer.
 */
bool has_duplicate_values(const double* values, int64_t n) {
  std::vector<uint64_t> hashes;
  hashes.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] == values[i]) hashes.push_back(value_hash(values[i]));
  }
  const int64_t count = static_cast<int64_t>(hashes.size());
  std::vector<uint64_t> slots;
  int bits = 0;  // parts = 2^bits
  while (bits < 16 && (count >> bits) > 4096) ++bits;
  if (bits == 0) return has_duplicate_hashes(hashes.data(), count, slots);
  // Equal hashes share their top bits, so they land in the same part.
  const int shift = 64 - bits;
  std::vector<int64_t> part_start((int64_t{1} << bits) + 1, 0);
  for (const uint64_t hash : hashes) ++part_start[(hash >> shift) + 1];
  for (size_t p = 1; p < part_start.size(); ++p) part_start[p] += part_start[p - 1];
  std::vector<int64_t> fill(part_start.begin(), part_start.end() - 1);
  std::vector<uint64_t> partitioned(count);
  for (const uint64_t hash : hashes) partitioned[fill[hash >> shift]++] = hash;
  for (size_t p = 0; p + 1 < part_start.size(); ++p) {
    if (has_duplicate_hashes(partitioned.data() + part_start[p], part_start[p + 1] - part_start[p], slots)) return true;
  }
  return false;
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
  if (!has_duplicate_values(out, n)) {
    add_distance_tie_noise(out, n, present, random);
    return true;
  }
  // Ties (step 2, and step 3 where a band is too narrow).
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

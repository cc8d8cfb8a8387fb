// The common case of the tie rule (main/mi/tie-rule.ts, prepareContinuous) in native code: a column
// with at least two distinct present values, no exact ties after scaling and no magnitude near overflow
// is scaled by its standard deviation and given noise of scikit-learn's scale, 1e-10 · max(1, mean|x|)
// · U(−1, 1). Every other column (constant, tied, huge) is declined and prepared by the TypeScript rule.
//
// Bit-identical to the TypeScript: the sums run in the same order, the generator is the same
// xoshiro128** seeded through splitmix32 (main/mi/random.ts) with the same 53-bit floats, and each
// product is rounded before it is added (separate statements, so no compiler fuses them into an FMA).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

namespace milens::cpu {
namespace {

/** SeededRandom of main/mi/random.ts: xoshiro128** seeded through splitmix32, 53-bit uniform floats. */
class SeededRandom {
 public:
  explicit SeededRandom(uint32_t seed) {
    uint32_t state = seed;
    auto next = [&]() {
      state += 0x9e3779b9u;
      uint32_t z = state;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      return z ^ (z >> 16);
    };
    a_ = next();
    b_ = next();
    c_ = next();
    d_ = next();
    if ((a_ | b_ | c_ | d_) == 0) a_ = 1;
  }
  uint32_t next_uint32() {
    const uint32_t result = rotate_left(b_ * 5u, 7) * 9u;
    const uint32_t t = b_ << 9;
    c_ ^= a_;
    d_ ^= b_;
    b_ ^= c_;
    a_ ^= d_;
    c_ ^= t;
    d_ = rotate_left(d_, 11);
    return result;
  }
  double next_float() {
    const double high = static_cast<double>(next_uint32() >> 5);
    const double low = static_cast<double>(next_uint32() >> 6);
    const double scaled = high * 67108864.0;
    return (scaled + low) / 9007199254740992.0;
  }

 private:
  static uint32_t rotate_left(uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }
  uint32_t a_, b_, c_, d_;
};

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

/** prepareContinuous's common case into `out` (n values); false to decline. */
bool prepare_one(const double* raw, int64_t n, uint32_t seed, double* out) {
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
  if (magnitude > 1e150 || !std::isfinite(sum)) return false;  // the rescaling branch
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
  if (has_duplicate_values(out, n)) return false;  // ties: the spreading rule
  SeededRandom random(seed);
  double mean_absolute = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] == out[i]) mean_absolute += std::fabs(out[i]);
  }
  const double amplitude = 1e-10 * std::max(1.0, mean_absolute / count);
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] == out[i]) {
      const double unit = 2 * random.next_float() - 1;
      const double noise = amplitude * unit;
      out[i] = out[i] + noise;
    }
  }
  return true;
}

}  // namespace

void prepare_continuous(const double* const* columns, const uint32_t* seeds, int64_t column_count, int64_t n, double* prepared,
                        uint8_t* accepted) {
  parallel_for(0, column_count, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t c = from; c < to; ++c) accepted[c] = prepare_one(columns[c], n, seeds[c], prepared + c * n) ? 1 : 0;
  });
}

}  // namespace milens::cpu

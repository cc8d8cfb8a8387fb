// Stable LSD radix sort of point indices by double value, shared by the CPU kernels that need a
// marginal's order (ksg.cc, correlation.cc): O(n), no comparator calls, equal values (−0 and +0
// included) in index order. Header-only; everything is inline.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace milens::cpu {

/** Order-preserving unsigned key of a double (−0 is mapped to +0 so that it ties with 0). */
inline uint64_t order_key(double value) {
  if (value == 0) value = 0;
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

/** Indices ordered by value, ties in index order: a stable LSD radix sort with 11-bit digits. */
inline std::vector<int32_t> stable_argsort(const double* values, int64_t n) {
  std::vector<uint64_t> keys(n);
  for (int64_t i = 0; i < n; ++i) keys[i] = order_key(values[i]);
  std::vector<int32_t> order(n), next(n);
  for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int32_t>(i);
  std::vector<int64_t> counts(2048);
  for (int shift = 0; shift < 64; shift += 11) {
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) ++counts[(keys[i] >> shift) & 2047];
    if (n == 0 || counts[(keys[0] >> shift) & 2047] == n) continue;  // every key shares this digit
    int64_t total = 0;
    for (int64_t& count : counts) {
      const int64_t here = count;
      count = total;
      total += here;
    }
    for (int64_t p = 0; p < n; ++p) {
      const int32_t index = order[p];
      next[counts[(keys[index] >> shift) & 2047]++] = index;
    }
    order.swap(next);
  }
  return order;
}

}  // namespace milens::cpu

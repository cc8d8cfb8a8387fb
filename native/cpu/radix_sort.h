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

/**
 * Indices ordered by value, ties in index order (the stable order by order_key). A stable LSD radix sort
 * with 11-bit digits on a 32-bit window of the keys: the window starts at the highest bit in which the
 * keys differ (the bits above it are common to all), so three passes order the indices by the window;
 * runs that share a window value (values equal to about 7 significant digits) are then put in stable
 * order by their full keys. Narrowing a key to its window never reverses two keys, so the result is the
 * same as a full 64-bit sort; six passes are spent only where a run is long.
 */
inline std::vector<int32_t> stable_argsort(const double* values, int64_t n) {
  std::vector<uint64_t> keys(n);
  uint64_t smallest = ~uint64_t{0}, largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    keys[i] = order_key(values[i]);
    smallest = std::min(smallest, keys[i]);
    largest = std::max(largest, keys[i]);
  }
  std::vector<int32_t> order(n), next(n);
  for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int32_t>(i);
  if (n == 0 || smallest == largest) return order;  // all keys equal: index order
  int common = 0;  // leading bits shared by every key (< 64: two keys differ)
  while (((smallest ^ largest) >> (63 - common)) == 0) ++common;
  // window(key) = the 32 bits below the common ones (fewer when fewer differ), in the low bits.
  const int drop = common >= 32 ? 0 : 32 - common;
  std::vector<uint32_t> window(n);
  for (int64_t i = 0; i < n; ++i) window[i] = static_cast<uint32_t>((keys[i] << common >> common) >> drop);
  std::vector<int64_t> counts(2048);
  for (int shift = 0; shift < 32; shift += 11) {
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) ++counts[(window[i] >> shift) & 2047];
    if (counts[(window[0] >> shift) & 2047] == n) continue;  // every key shares this digit
    int64_t total = 0;
    for (int64_t& count : counts) {
      const int64_t here = count;
      count = total;
      total += here;
    }
    for (int64_t p = 0; p < n; ++p) {
      const int32_t index = order[p];
      next[counts[(window[index] >> shift) & 2047]++] = index;
    }
    order.swap(next);
  }
  if (drop == 0) return order;  // the window held the whole key
  // Runs of equal windows are in index order; order each by the full key, stably.
  for (int64_t start = 0; start < n;) {
    const uint32_t w = window[order[start]];
    int64_t end = start + 1;
    while (end < n && window[order[end]] == w) ++end;
    if (end - start > 1) {
      auto by_key = [&](int32_t a, int32_t b) { return keys[a] < keys[b]; };
      if (end - start <= 16) {
        for (int64_t p = start + 1; p < end; ++p) {  // insertion sort: stable, moves only past larger keys
          const int32_t index = order[p];
          int64_t q = p;
          while (q > start && by_key(index, order[q - 1])) {
            order[q] = order[q - 1];
            --q;
          }
          order[q] = index;
        }
      } else {
        std::stable_sort(order.begin() + start, order.begin() + end, by_key);
      }
    }
    start = end;
  }
  return order;
}

}  // namespace milens::cpu

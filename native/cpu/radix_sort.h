// Stable LSD radix sort of point indices by double value, shared by the CPU kernels that need a
// marginal's order (ksg.cc, correlation.cc): O(n), no comparator calls, equal values (−0 and +0
// included) in index order. Header-only; everything is inline.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "buffer.h"

namespace milens::cpu {

/**
 * Order-preserving unsigned key of a double: 2^63 plus its magnitude's bits for a positive value, minus
 * them for a negative one, so −0 and +0 share the key 2^63 and the low bits that a value's mantissa
 * leaves zero (an integer's, a small binary fraction's) are zero in its key whatever its sign.
 */
inline uint64_t order_key(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  constexpr uint64_t kSign = uint64_t{1} << 63;
  const uint64_t magnitude = bits & ~kSign;
  return (bits & kSign) ? kSign - magnitude : kSign + magnitude;
}

/**
 * Indices ordered by value, ties in index order (the stable order by order_key). A stable LSD radix sort
 * with 11-bit digits on a 32-bit window of the keys, the top bits of key − smallest key, so three passes
 * order the indices by the window;
 * runs that share a window value (values equal to about 7 significant digits) are then put in stable
 * order by their full keys, unless no key had a bit below its window (integer-valued columns: 17–20 %
 * faster at 10^5 values). Narrowing a key to its window never reverses two keys, so the result is the
 * same as a full 64-bit sort; the full keys are only looked at where a run is long.
 *
 * Each element travels as one 64-bit word, window << 32 | index: the passes read their input in order
 * and never look anything up through an index (a lookup per element missed the cache at 10^6 points
 * and made the sort three times slower), and the digit counts of all three passes come from one scan.
 */
inline Buffer<int32_t> stable_argsort(const double* values, int64_t n) {
  Buffer<int32_t> order(n);
  auto index_order = [&] {
    for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int32_t>(i);
    return std::move(order);
  };
  if (n < 2) return index_order();
  uint64_t smallest = ~uint64_t{0}, largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t key = order_key(values[i]);
    smallest = std::min(smallest, key);
    largest = std::max(largest, key);
  }
  if (smallest == largest) return index_order();  // all keys equal
  // window(key) = the top 32 bits of key − smallest (all of it when the range needs 32 bits or fewer).
  // Offsetting by the smallest key, rather than dropping the bits all keys share, keeps a narrow range
  // whole: values just either side of 1000 share only 17 leading bits (1000 − ε is 0x408F3FFF…, 1000 + ε
  // is 0x408F4000…), yet their keys span a few million.
  const uint64_t range = largest - smallest;
  int range_bits = 0;
  while (range_bits < 64 && (range >> range_bits) != 0) ++range_bits;
  const int drop = range_bits > 32 ? range_bits - 32 : 0;
  Buffer<uint64_t> packed(n), next(n);
  std::vector<int64_t> counts(3 * 2048, 0);
  uint64_t dropped_bits = 0;  // of every key − smallest, the bits below the window
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t offset = order_key(values[i]) - smallest;
    dropped_bits |= offset;
    const uint32_t window = static_cast<uint32_t>(offset >> drop);
    packed[i] = (static_cast<uint64_t>(window) << 32) | static_cast<uint32_t>(i);
    ++counts[window & 2047];
    ++counts[2048 + ((window >> 11) & 2047)];
    ++counts[4096 + (window >> 22)];
  }
  for (int pass = 0; pass < 3; ++pass) {
    int64_t* digit_counts = counts.data() + 2048 * pass;
    const int shift = 32 + 11 * pass;
    if (digit_counts[(packed[0] >> shift) & 2047] == n) continue;  // every key shares this digit
    int64_t total = 0;
    for (int64_t d = 0; d < 2048; ++d) {
      const int64_t here = digit_counts[d];
      digit_counts[d] = total;
      total += here;
    }
    for (int64_t p = 0; p < n; ++p) next[digit_counts[(packed[p] >> shift) & 2047]++] = packed[p];
    packed.swap(next);
  }
  for (int64_t p = 0; p < n; ++p) order[p] = static_cast<int32_t>(static_cast<uint32_t>(packed[p]));
  // The windows held the whole keys (every key's dropped bits zero, as integers' are): equal windows are
  // equal values, already in index order.
  if (drop == 0 || (dropped_bits & ((uint64_t{1} << drop) - 1)) == 0) return order;
  // Runs of equal windows are in index order; order each by the full key, stably.
  for (int64_t start = 0; start < n;) {
    const uint64_t window = packed[start] >> 32;
    int64_t end = start + 1;
    while (end < n && (packed[end] >> 32) == window) ++end;
    if (end - start == 1) {  // in place, and its value is not looked up (a cache miss at 10^6 points)
      start = end;
      continue;
    }
    // A run of one value (a tie, the usual reason for a long run) is already in index order.
    const uint64_t first_key = order_key(values[order[start]]);
    bool one_value = true;
    for (int64_t p = start + 1; p < end && one_value; ++p) one_value = order_key(values[order[p]]) == first_key;
    if (!one_value) {
      auto by_key = [&](int32_t a, int32_t b) { return order_key(values[a]) < order_key(values[b]); };
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

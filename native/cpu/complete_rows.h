// The complete rows of (target, feature) pairs with missing cells, for the kernels that score each pair
// on the rows where both values are finite (ksg_counts_on_complete_rows, correlation_measures_on_
// complete_rows). The target's finite rows are sorted once for all the features; a pair's share of that
// order, read in order and renumbered to the pair's rows, is exactly what a stable sort of the picked
// target gives (the picked rows keep their row order, which is the sort's tie order), so per pair only
// the feature needs a sort. Header-only.
#pragma once

#include <cstdint>
#include "buffer.h"
#include "radix_sort.h"

namespace milens::cpu {

inline bool is_finite_value(double value) { return value - value == 0; }  // NaN and ±Infinity fail

/** The rows where `values` is finite, in sorted order of their values, ties in row order. */
inline Buffer<int32_t> finite_rows_in_order(const double* values, int64_t n) {
  Buffer<int32_t> rows(n);
  Buffer<double> finite(n);
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    rows[count] = static_cast<int32_t>(i);
    finite[count] = values[i];
    count += is_finite_value(values[i]);
  }
  const Buffer<int32_t> order = stable_argsort(finite.data(), count);
  Buffer<int32_t> sorted_rows(count);
  for (int64_t p = 0; p < count; ++p) sorted_rows[p] = rows[order[p]];
  return sorted_rows;
}

/** One pair on its complete rows, in row order: x (the feature), y (the target) and y's stable sort order. */
struct CompletePair {
  int64_t rows = 0;
  Buffer<double> x, y;
  Buffer<int32_t> y_order;  // y_order[p]: the pair's row at y's sorted position p (when asked for)
};

/**
 * The pair of `target` and `feature` where both are finite. With `target_rows_in_order` (from
 * finite_rows_in_order(target)) y's order is filled from it; without (a single pair, whose caller sorts
 * y itself beside the feature), y_order stays empty.
 */
inline CompletePair pick_complete_pair(const double* target, const double* feature, int64_t n, const Buffer<int32_t>* target_rows_in_order) {
  CompletePair pair;
  Buffer<int32_t> picked_at(n);  // a row's position among the pair's rows, −1 where incomplete
  int64_t rows = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool complete = is_finite_value(target[i]) && is_finite_value(feature[i]);
    picked_at[i] = complete ? static_cast<int32_t>(rows) : -1;
    rows += complete;
  }
  pair.rows = rows;
  pair.x.resize(rows);
  pair.y.resize(rows);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t at = picked_at[i];
    if (at < 0) continue;
    pair.x[at] = feature[i];
    pair.y[at] = target[i];
  }
  if (target_rows_in_order == nullptr) return pair;
  pair.y_order.resize(rows);
  int64_t p = 0;
  for (const int32_t row : *target_rows_in_order) {
    const int32_t at = picked_at[row];
    if (at >= 0) pair.y_order[p++] = at;
  }
  return pair;
}

}  // namespace milens::cpu

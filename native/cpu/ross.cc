// CPU Ross counts with scikit-learn's `_compute_mi_cd` semantics (see main/compute/reference/
// ross-counts.ts): group by label and sort by x, take each point's k_i-th same-label neighbour distance
// by merging outward, then count among the points whose label is not unique, by binary search.
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu_kernels.h"
#include "neighbours.h"
#include "parallel.h"

namespace milens::cpu {
namespace {

double kth_neighbour_in_run(const double* sorted, int64_t from, int64_t to, int64_t at, int64_t k) {
  const double value = sorted[at];
  int64_t left = at - 1, right = at + 1;
  double distance = 0;
  for (int64_t taken = 0; taken < k; ++taken) {
    const double left_distance = left >= from ? value - sorted[left] : std::numeric_limits<double>::infinity();
    const double right_distance = right < to ? sorted[right] - value : std::numeric_limits<double>::infinity();
    if (left_distance <= right_distance) {
      distance = left_distance;
      --left;
    } else {
      distance = right_distance;
      ++right;
    }
  }
  return distance;
}

void ross_one_feature(const int32_t* labels, int64_t n, const double* x, int32_t k, int32_t* neighbour_count, int32_t* k_used,
                      int32_t* label_count) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    if (labels[a] != labels[b]) return labels[a] < labels[b];
    if (x[a] != x[b]) return x[a] < x[b];
    return a < b;
  });
  std::vector<double> sorted(n), radius(n, 0.0), kept;
  kept.reserve(n);
  for (int64_t p = 0; p < n; ++p) sorted[p] = x[order[p]];
  for (int64_t from = 0; from < n;) {
    int64_t to = from + 1;
    while (to < n && labels[order[to]] == labels[order[from]]) ++to;
    const int64_t count = to - from;
    const int64_t k_here = std::min<int64_t>(k, count - 1);
    for (int64_t p = from; p < to; ++p) {
      const int64_t point = order[p];
      label_count[point] = static_cast<int32_t>(count);
      k_used[point] = count > 1 ? static_cast<int32_t>(k_here) : 0;
      neighbour_count[point] = 0;
      if (count > 1) {
        radius[point] = kth_neighbour_in_run(sorted.data(), from, to, p, k_here);
        kept.push_back(x[point]);
      }
    }
    from = to;
  }
  std::sort(kept.begin(), kept.end());
  const int64_t kept_count = static_cast<int64_t>(kept.size());
  for (int64_t i = 0; i < n; ++i) {
    if (label_count[i] <= 1) continue;
    // scikit-learn counts |x_j − x_i| ≤ nextafter(d_i, 0): strict for d_i > 0, exact duplicates for d_i = 0.
    neighbour_count[i] = static_cast<int32_t>(radius[i] > 0 ? count_strictly_within(kept.data(), kept_count, x[i], radius[i], true)
                                                            : count_equal(kept.data(), kept_count, x[i]));
  }
}

}  // namespace

void ross_counts(const int32_t* labels, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                 int32_t* neighbour_count, int32_t* k_used, int32_t* label_count) {
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0) {
      throw KernelError(ErrorKind::Range, out_of_range_message("labels[" + std::to_string(i) + "]", "an integer code of at least 0", std::to_string(labels[i])));
    }
  }
  // Features are independent: one thread per group of features.
  parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t f = from; f < to; ++f) {
      ross_one_feature(labels, n, features[f], k, neighbour_count + f * n, k_used + f * n, label_count + f * n);
    }
  });
}

}  // namespace milens::cpu

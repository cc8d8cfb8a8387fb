// CPU KSG counts, O(n log n) per feature: a kd-tree over (x, y) gives each point's k-th Chebyshev
// neighbour distance eps; binary searches in sorted x and sorted y count the points strictly inside eps.
// The sorted target is shared by every feature; points are split across threads in tree order.
#include <algorithm>
#include <vector>

#include "cpu_kernels.h"
#include "neighbours.h"
#include "parallel.h"

namespace milens::cpu {

void ksg_counts(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                int32_t* count_x, int32_t* count_y) {
  if (feature_count == 0) return;
  if (k < 1 || k > n - 1) {
    throw KernelError(ErrorKind::Range, out_of_range_message("k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", std::to_string(k)));
  }
  std::vector<double> sorted_y(target, target + n);
  std::sort(sorted_y.begin(), sorted_y.end());
  for (int64_t f = 0; f < feature_count; ++f) {
    const double* x = features[f];
    const ChebyshevKdTree tree(x, target, n);
    std::vector<double> sorted_x(x, x + n);
    std::sort(sorted_x.begin(), sorted_x.end());
    int32_t* out_x = count_x + f * n;
    int32_t* out_y = count_y + f * n;
    parallel_for(0, n, 2048, [&](int, int64_t from, int64_t to) {
      std::vector<double> heap;
      heap.reserve(k);
      // Points in tree order: neighbouring queries touch the same nodes and the same parts of the sorted
      // marginals, which matters once the arrays outgrow the caches (n ≳ 10^6).
      for (int64_t p = from; p < to; ++p) {
        const int64_t i = tree.point_at(p);
        const double eps = tree.kth_distance(x[i], target[i], i, k, heap);
        out_x[i] = static_cast<int32_t>(count_strictly_within(sorted_x.data(), n, x[i], eps, false));
        out_y[i] = static_cast<int32_t>(count_strictly_within(sorted_y.data(), n, target[i], eps, false));
      }
    });
  }
}

}  // namespace milens::cpu

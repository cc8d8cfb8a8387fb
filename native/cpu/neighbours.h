// Exact neighbour queries shared by the KSG, Ross and conditional-MI kernels: the k smallest distances
// of a grid search (KSmallest, FixedKSmallest), a 2-D kd-tree for the k-th Chebyshev
// neighbour distance and binary searches over sorted values for strict in-radius counts. Distances are
// |a − b| in double, as scikit-learn computes them; rounding is monotone, so the values within a radius
// of a point form one contiguous run of the sorted array and the searches test the computed difference.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace milens::cpu {

/** The k smallest distances seen so far, ascending; best[k − 1] is +∞ until k have been seen. */
struct KSmallest {
  static constexpr bool kBranchFree = false;  // the early exit pays off with the cell bounds
  std::vector<double> best;
  explicit KSmallest(int32_t k) : best(k) {}
  void reset() { std::fill(best.begin(), best.end(), std::numeric_limits<double>::infinity()); }
  double kth() const { return best.back(); }
  void offer(double distance) {
    if (!(distance < best.back())) return;
    int64_t at = static_cast<int64_t>(best.size()) - 1;
    while (at > 0 && best[at - 1] > distance) {
      best[at] = best[at - 1];
      --at;
    }
    best[at] = distance;
  }
};

/**
 * KSmallest for a k fixed at compile time (the default k = 3 among them), without branches: a distance
 * is merged into the sorted k by min / max alone (best[i] ← min(best[i], max(best[i − 1], d))), so the
 * same k smallest values are kept, and no comparison that the data make unpredictable is a jump.
 */
template <int K>
struct FixedKSmallest {
  static constexpr bool kBranchFree = true;
  double best[K];
  void reset() { std::fill(best, best + K, std::numeric_limits<double>::infinity()); }
  double kth() const { return best[K - 1]; }
  void offer(double distance) {
    for (int i = K - 1; i > 0; --i) best[i] = std::min(best[i], std::max(best[i - 1], distance));
    best[0] = std::min(best[0], distance);
  }
};

/** #{values v in sorted : |v − value| < radius}, minus one for the point itself unless include_self. */
int64_t count_strictly_within(const double* sorted, int64_t n, double value, double radius, bool include_self);

/** #{values v in sorted : v == value}. */
int64_t count_equal(const double* sorted, int64_t n, double value);

class ChebyshevKdTree {
 public:
  ChebyshevKdTree(const double* x, const double* y, int64_t n);
  /** Distance from (qx, qy) to its k-th nearest point other than `self`; `heap` is scratch space. */
  double kth_distance(double qx, double qy, int64_t self, int32_t k, std::vector<double>& heap) const;
  /** The point stored at tree position p: walking p in order visits points leaf by leaf (cache-friendly). */
  int64_t point_at(int64_t p) const { return ids_[p]; }

 private:
  struct Node {
    int64_t start, end;
    int32_t left, right;
    double min_x, max_x, min_y, max_y;
  };
  int32_t build(const double* x, const double* y, int64_t from, int64_t to);
  std::vector<int64_t> ids_;
  std::vector<double> xs_, ys_;
  std::vector<Node> nodes_;
};

}  // namespace milens::cpu

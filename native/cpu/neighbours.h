// Exact neighbour queries shared by the KSG and Ross kernels: a 2-D kd-tree for the k-th Chebyshev
// neighbour distance and binary searches over sorted values for strict in-radius counts. Distances are
// |a − b| in double, as scikit-learn computes them; rounding is monotone, so the values within a radius
// of a point form one contiguous run of the sorted array and the searches test the computed difference.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace milens::cpu {

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

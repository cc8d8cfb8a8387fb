// See neighbours.h. The kd-tree splits at the median of the wider side; queries descend nearer child
// first and prune any box no nearer than the current k-th distance (such points cannot change it).
#include "neighbours.h"

#include <algorithm>

namespace milens::cpu {
namespace {

constexpr int64_t kLeafSize = 12;

inline double box_distance(double qx, double qy, double min_x, double max_x, double min_y, double max_y) {
  const double dx = qx < min_x ? min_x - qx : qx > max_x ? qx - max_x : 0.0;
  const double dy = qy < min_y ? min_y - qy : qy > max_y ? qy - max_y : 0.0;
  return dx > dy ? dx : dy;
}

}  // namespace

int64_t count_strictly_within(const double* sorted, int64_t n, double value, double radius, bool include_self) {
  if (!(radius > 0)) return 0;
  int64_t low = 0, high = n;
  while (low < high) {
    const int64_t mid = (low + high) >> 1;
    if (sorted[mid] >= value || value - sorted[mid] < radius) high = mid;
    else low = mid + 1;
  }
  const int64_t first = low;
  high = n;
  while (low < high) {
    const int64_t mid = (low + high) >> 1;
    if (sorted[mid] > value && sorted[mid] - value >= radius) high = mid;
    else low = mid + 1;
  }
  return low - first - (include_self ? 0 : 1);
}

int64_t count_equal(const double* sorted, int64_t n, double value) {
  return std::upper_bound(sorted, sorted + n, value) - std::lower_bound(sorted, sorted + n, value);
}

ChebyshevKdTree::ChebyshevKdTree(const double* x, const double* y, int64_t n) : ids_(n), xs_(n), ys_(n) {
  for (int64_t i = 0; i < n; ++i) ids_[i] = i;
  nodes_.reserve(static_cast<size_t>(4 * (n / kLeafSize + 1)));
  if (n > 0) build(x, y, 0, n);
  for (int64_t p = 0; p < n; ++p) {
    xs_[p] = x[ids_[p]];
    ys_[p] = y[ids_[p]];
  }
}

int32_t ChebyshevKdTree::build(const double* x, const double* y, int64_t from, int64_t to) {
  const int32_t index = static_cast<int32_t>(nodes_.size());
  Node node{from, to, -1, -1, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int64_t p = from; p < to; ++p) {
    const double px = x[ids_[p]], py = y[ids_[p]];
    node.min_x = std::min(node.min_x, px);
    node.max_x = std::max(node.max_x, px);
    node.min_y = std::min(node.min_y, py);
    node.max_y = std::max(node.max_y, py);
  }
  nodes_.push_back(node);
  if (to - from <= kLeafSize) return index;
  const double* coordinate = node.max_x - node.min_x >= node.max_y - node.min_y ? x : y;
  const int64_t middle = (from + to) >> 1;
  std::nth_element(ids_.begin() + from, ids_.begin() + middle, ids_.begin() + to,
                   [coordinate](int64_t a, int64_t b) { return coordinate[a] < coordinate[b]; });
  const int32_t left = build(x, y, from, middle);
  const int32_t right = build(x, y, middle, to);
  nodes_[index].left = left;
  nodes_[index].right = right;
  return index;
}

double ChebyshevKdTree::kth_distance(double qx, double qy, int64_t self, int32_t k, std::vector<double>& heap) const {
  heap.clear();
  int32_t stack[128];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Node& node = nodes_[stack[--top]];
    const double kth = static_cast<int32_t>(heap.size()) == k ? heap.front() : std::numeric_limits<double>::infinity();
    if (box_distance(qx, qy, node.min_x, node.max_x, node.min_y, node.max_y) >= kth) continue;
    if (node.left < 0) {
      for (int64_t p = node.start; p < node.end; ++p) {
        if (ids_[p] == self) continue;
        const double ax = std::fabs(xs_[p] - qx), ay = std::fabs(ys_[p] - qy);
        const double distance = ax > ay ? ax : ay;
        if (static_cast<int32_t>(heap.size()) < k) {
          heap.push_back(distance);
          std::push_heap(heap.begin(), heap.end());
        } else if (distance < heap.front()) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = distance;
          std::push_heap(heap.begin(), heap.end());
        }
      }
      continue;
    }
    const Node& left = nodes_[node.left];
    const Node& right = nodes_[node.right];
    const bool near_left = box_distance(qx, qy, left.min_x, left.max_x, left.min_y, left.max_y) <=
                           box_distance(qx, qy, right.min_x, right.max_x, right.min_y, right.max_y);
    stack[top++] = near_left ? node.right : node.left;
    stack[top++] = near_left ? node.left : node.right;
  }
  return heap.front();
}

}  // namespace milens::cpu

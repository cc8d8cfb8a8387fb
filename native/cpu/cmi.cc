// CPU Frenzel–Pompe counts (conditional MI, I(X;Y|Z) for continuous variables; see cmi.h). For each
// point: eps = its k-th Chebyshev neighbour distance in the joint (x, y, z) space, then the strict
// counts of other points within eps in the (x, z), (y, z) and z subspaces. Exactly the counts of the
// TypeScript reference (main/compute/reference/frenzel-pompe-counts.ts), whatever the tree shapes:
//
// - the k-th distance is a value, the same from any exact search: a kd-tree here (D = 2 + dim z), with
//   boxes pruned when their lower bound is ≥ the current k-th distance (such points cannot change it);
// - a count is the size of a set, {j ≠ i : |a_j − a_i| < eps for every coordinate a}. With one given
//   column (the common case), the points within eps of a value form one run of the sorted column
//   (rounding of |a − b| is monotone), found by galloping from the point's own position; the (x, z) and
//   (y, z) counts are then rectangles in (rank in x or y, rank in z), all answered by one sweep along
//   the x (or y) ranks that inserts each point's z rank into a bit set with block counts (O(n log n)).
//   With two to four given columns, kd-trees over the subspaces count: a box is counted whole when its
//   farthest corner is within eps, skipped when its nearest point is not, its points tested otherwise.
//
// What a shuffle of the shared variable does not change is built once per call: the sorted shared
// variable and z (or the (shared, z) and z trees). Per feature, the joint tree (and the feature's sort
// or (feature, z) tree) is built; with at least as many features as threads each thread takes whole
// features, otherwise the points of one feature are split across threads. k-th distances are searched
// leaf by leaf, each point's own leaf first (a tight bound before the descent from the root).
#include "cmi.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "buffer.h"
#include "parallel.h"
#include "radix_sort.h"

namespace milens::cpu {
namespace {

constexpr int32_t kLeafSize = 16;  // leaves of 9 to 16 points; 8 (5 to 8) took 2% more instructions at 10^5 points, 32 took 2% more too

/** A static kd-tree over D coordinates, Chebyshev metric, split at the median of the widest side. */
template <int D>
class KdTree {
 public:
  KdTree(const double* const* columns, int64_t n) : ids_(n), coords_(n * D) {
    // Built on packed (coordinates, row) items, so that the median splits and box scans read memory in
    // order instead of gathering every coordinate through the row index.
    Buffer<Item> items(n);
    for (int64_t i = 0; i < n; ++i) {
      for (int d = 0; d < D; ++d) items[i].c[d] = columns[d][i];
      items[i].id = static_cast<int32_t>(i);
    }
    nodes_.reserve(static_cast<size_t>(4 * (n / kLeafSize + 1)));
    parents_.reserve(nodes_.capacity());
    if (n > 0) build(items.data(), 0, static_cast<int32_t>(n));
    for (int64_t p = 0; p < n; ++p) {
      ids_[p] = items[p].id;
      for (int d = 0; d < D; ++d) coords_[p * D + d] = items[p].c[d];
    }
  }

  int32_t point_at(int64_t p) const { return ids_[p]; }
  int64_t leaf_count() const { return static_cast<int64_t>(leaves_.size()); }

  /**
   * Calls visit(row, eps) for every point of leaves [from, to): eps the k-th smallest distance to
   * another point. The point's own leaf is scanned first (its nearest neighbours are mostly there), so
   * the descent from the root starts with a tight bound and skips that leaf.
   */
  template <class Visit>
  void kth_distances(int64_t from, int64_t to, int32_t k, double* best, Visit&& visit) const {
    for (int64_t l = from; l < to; ++l) {
      const int32_t leaf = leaves_[l];
      const Node& own = nodes_[leaf];
      for (int32_t p = own.start; p < own.end; ++p) {
        const double* q = &coords_[static_cast<int64_t>(p) * D];
        for (int32_t s = 0; s < k; ++s) best[s] = std::numeric_limits<double>::infinity();
        for (int32_t o = own.start; o < own.end; ++o) {
          if (o != p) offer(best, k, distance_to(o, q));
        }
        // Only the subtree of the lowest ancestor whose box holds the whole ball of the current bound can
        // hold nearer points: others lie in other cells, which meet this box at most on its faces, and
        // the ball stays off the faces (the float margins are ≥ the bound).
        int32_t start = leaf;
        while (start != 0 && !holds_ball(nodes_[start], q, best[k - 1])) start = parents_[start];
        // Each stacked node carries its box distance, computed once when its parent is expanded.
        int32_t stack[160];
        double stack_distance[160];
        int top = 0;
        stack[top] = start;
        stack_distance[top++] = 0;
        while (top > 0) {
          --top;
          const int32_t index = stack[top];
          if (index == leaf || stack_distance[top] >= best[k - 1]) continue;
          const Node& node = nodes_[index];
          if (node.left < 0) {
            for (int32_t o = node.start; o < node.end; ++o) offer(best, k, distance_to(o, q));
            continue;
          }
          const double left = box_distance(nodes_[node.left], q), right = box_distance(nodes_[node.right], q);
          const bool left_first = left <= right;
          stack[top] = left_first ? node.right : node.left;
          stack_distance[top++] = left_first ? right : left;
          stack[top] = left_first ? node.left : node.right;
          stack_distance[top++] = left_first ? left : right;
        }
        visit(ids_[p], best[k - 1]);
      }
    }
  }

  /** k-th smallest distance from q to a point other than `self`; `best` holds k doubles of scratch. */
  double kth_distance(const double* q, int32_t self, int32_t k, double* best) const {
    for (int32_t s = 0; s < k; ++s) best[s] = std::numeric_limits<double>::infinity();
    int32_t stack[160];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Node& node = nodes_[stack[--top]];
      if (box_distance(node, q) >= best[k - 1]) continue;
      if (node.left < 0) {
        for (int32_t p = node.start; p < node.end; ++p) {
          const double* point = &coords_[static_cast<int64_t>(p) * D];
          double distance = 0;
          for (int d = 0; d < D; ++d) distance = std::max(distance, std::fabs(point[d] - q[d]));
          if (distance < best[k - 1] && ids_[p] != self) {
            int32_t slot = k - 1;
            while (slot > 0 && best[slot - 1] > distance) {
              best[slot] = best[slot - 1];
              --slot;
            }
            best[slot] = distance;
          }
        }
        continue;
      }
      const bool left_first = box_distance(nodes_[node.left], q) <= box_distance(nodes_[node.right], q);
      stack[top++] = left_first ? node.right : node.left;
      stack[top++] = left_first ? node.left : node.right;
    }
    return best[k - 1];
  }

  /** Points (a query point in the tree included) with |a − q_a| < radius in every coordinate. */
  int64_t count_within(const double* q, double radius) const {
    if (!(radius > 0)) return 0;
    int32_t stack[160];
    int top = 0;
    int64_t count = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Node& node = nodes_[stack[--top]];
      if (box_distance(node, q) >= radius) continue;
      if (box_farthest(node, q) < radius) {
        count += node.end - node.start;
        continue;
      }
      if (node.left < 0) {
        for (int32_t p = node.start; p < node.end; ++p) {
          const double* point = &coords_[static_cast<int64_t>(p) * D];
          bool inside = true;
          for (int d = 0; d < D; ++d) inside &= std::fabs(point[d] - q[d]) < radius;
          count += inside;
        }
        continue;
      }
      stack[top++] = node.left;
      stack[top++] = node.right;
    }
    return count;
  }

 private:
  struct Node {
    int32_t start, end, left, right;
    double low[D], high[D];
  };

  double distance_to(int32_t p, const double* q) const {
    const double* point = &coords_[static_cast<int64_t>(p) * D];
    double distance = 0;
    for (int d = 0; d < D; ++d) distance = std::max(distance, std::fabs(point[d] - q[d]));
    return distance;
  }

  /** Keeps best[0..k) the k smallest distances offered, ascending. */
  static void offer(double* best, int32_t k, double distance) {
    if (!(distance < best[k - 1])) return;
    int32_t slot = k - 1;
    while (slot > 0 && best[slot - 1] > distance) {
      best[slot] = best[slot - 1];
      --slot;
    }
    best[slot] = distance;
  }

  static bool holds_ball(const Node& node, const double* q, double radius) {
    bool inside = true;
    for (int d = 0; d < D; ++d) inside &= q[d] - node.low[d] >= radius && node.high[d] - q[d] >= radius;
    return inside;
  }

  static double box_distance(const Node& node, const double* q) {
    double distance = 0;
    for (int d = 0; d < D; ++d) {
      // Branch-free: inside the box both differences are ≤ 0 and distance (from 0) keeps its value;
      // outside, the positive one is the same subtraction as before, so the bound is the same double.
      distance = std::max(distance, std::max(node.low[d] - q[d], q[d] - node.high[d]));
    }
    return distance;
  }

  static double box_farthest(const Node& node, const double* q) {
    double distance = 0;
    for (int d = 0; d < D; ++d) distance = std::max(distance, std::max(std::fabs(q[d] - node.low[d]), std::fabs(node.high[d] - q[d])));
    return distance;
  }

  struct Item {
    double c[D];
    int32_t id;
  };

  int32_t build(Item* items, int32_t from, int32_t to) {
    const int32_t index = static_cast<int32_t>(nodes_.size());
    Node node{};
    node.start = from;
    node.end = to;
    node.left = node.right = -1;
    for (int d = 0; d < D; ++d) node.low[d] = node.high[d] = items[from].c[d];
    for (int32_t p = from + 1; p < to; ++p) {
      for (int d = 0; d < D; ++d) {
        const double value = items[p].c[d];
        node.low[d] = value < node.low[d] ? value : node.low[d];
        node.high[d] = value > node.high[d] ? value : node.high[d];
      }
    }
    int widest = 0;
    for (int d = 1; d < D; ++d)
      if (node.high[d] - node.low[d] > node.high[widest] - node.low[widest]) widest = d;
    nodes_.push_back(node);
    parents_.push_back(-1);
    if (to - from <= kLeafSize) {
      leaves_.push_back(index);
      return index;
    }
    const int32_t middle = from + (to - from) / 2;
    std::nth_element(items + from, items + middle, items + to, [widest](const Item& a, const Item& b) { return a.c[widest] < b.c[widest]; });
    const int32_t left = build(items, from, middle);
    const int32_t right = build(items, middle, to);
    nodes_[index].left = left;
    nodes_[index].right = right;
    parents_[left] = parents_[right] = index;
    return index;
  }

  Buffer<int32_t> ids_;
  Buffer<double> coords_;  // tree order, D per point
  std::vector<Node> nodes_;
  std::vector<int32_t> leaves_;  // in tree order
  std::vector<int32_t> parents_;  // per node; −1 at the root
};

/** The z counts of two to four given columns: a kd-tree over them. */
template <int DZ>
class GivenCounter {
 public:
  GivenCounter(const double* const* given, int64_t n) : tree_(given, n) {}
  int64_t others_within(const double* z, double radius) const { return radius > 0 ? tree_.count_within(z, radius) - 1 : 0; }

 private:
  KdTree<DZ> tree_;
};


/** One column sorted: the values in order, the row at each position and each row's position. */
struct RankedColumn {
  RankedColumn(const double* values, int64_t n) : order(stable_argsort(values, n)), sorted(n), position(n) {
    for (int64_t p = 0; p < n; ++p) {
      sorted[p] = values[order[p]];
      position[order[p]] = static_cast<int32_t>(p);
    }
  }
  /**
   * [*low, *high): the positions whose value v has |v − sorted[at]| < radius (one run containing `at`:
   * rounding is monotone). Galloping out from `at`, then bisecting the last step: O(log run) reads,
   * all near `at` (a bisection of the whole array missed the cache on most of its steps).
   */
  void window(int32_t at, double radius, int32_t* low_out, int32_t* high_out) const {
    const int64_t n = static_cast<int64_t>(sorted.size());
    const double value = sorted[at];
    // Below: find step with at − step outside (or past 0), then bisect (outside, inside].
    int64_t inside = at, step = 1;
    while (inside - step >= 0 && value - sorted[inside - step] < radius) {
      inside -= step;
      step <<= 1;
    }
    // The run's first position lies in (inside − step, inside]: a branch-free bisection of that bracket.
    {
      const int64_t first = std::max<int64_t>(0, inside - step + 1);
      const double* base = sorted.data() + first;
      int64_t length = inside - first + 1;
      while (length > 1) {
        const int64_t half = length >> 1;
        base = value - base[half - 1] < radius ? base : base + half;
        length -= half;
      }
      inside = (base - sorted.data()) + (value - *base < radius ? 0 : 1);
    }
    *low_out = static_cast<int32_t>(inside);
    inside = at;
    step = 1;
    while (inside + step < n && sorted[inside + step] - value < radius) {
      inside += step;
      step <<= 1;
    }
    // The run's last position lies in [inside, inside + step): the same bisection, from above.
    {
      const int64_t last = std::min<int64_t>(n - 1, inside + step - 1);
      const double* base = sorted.data() + inside;
      int64_t length = last - inside + 1;
      while (length > 1) {
        const int64_t half = length >> 1;
        base = base[half] - value < radius ? base + half : base;
        length -= half;
      }
      inside = base - sorted.data();
    }
    *high_out = static_cast<int32_t>(inside + 1);
  }
  Buffer<int32_t> order;  // order[p]: the row at sorted position p
  Buffer<double> sorted;
  Buffer<int32_t> position;  // position[row]
};

// Without -mpopcnt (the prebuilds target any x86-64) __builtin_popcountll is a call into libgcc; the
// bit-parallel count inlines to a dozen instructions (3% of the one-given kernel's instructions).
inline int popcount64(uint64_t word) {
#if defined(__POPCNT__) || defined(__aarch64__)
  return __builtin_popcountll(word);
#else
  word = word - ((word >> 1) & 0x5555555555555555ULL);
  word = (word & 0x3333333333333333ULL) + ((word >> 2) & 0x3333333333333333ULL);
  word = (word + (word >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((word * 0x0101010101010101ULL) >> 56);
#endif
}

/**
 * A set of positions in [0, n) answering "how many inserted positions are < end": one bit per position
 * and a Fenwick tree over blocks of 64 positions, so both fit in the L1/L2 cache (n = 10^5: 12 KB of
 * bits, 6 KB of block counts) where a Fenwick tree over the positions (400 KB) missed it.
 */
class InsertedPositions {
 public:
  explicit InsertedPositions(int64_t n) : bits_((n >> 6) + 1, 0), blocks_((n >> 6) + 2, 0) {}
  void insert(int32_t position) {
    bits_[position >> 6] |= uint64_t{1} << (position & 63);
    for (int64_t at = (position >> 6) + 1; at < static_cast<int64_t>(blocks_.size()); at += at & -at) ++blocks_[at];
  }
  int32_t below(int32_t end) const {
    int32_t total = 0;
    for (int64_t at = end >> 6; at > 0; at -= at & -at) total += blocks_[at];  // whole blocks before end's block
    const uint64_t partial = bits_[end >> 6] & ((uint64_t{1} << (end & 63)) - 1);
    return total + static_cast<int32_t>(popcount64(partial));
  }

 private:
  std::vector<uint64_t> bits_;
  std::vector<int32_t> blocks_;
};

/**
 * count[i] = #{j ≠ i : a_j within eps_i of a_i and z_j within eps_i of z_i} for every i with eps_i > 0,
 * as rectangle counts over (position in a, position in z): with F(A, Z) = #{j : pos_a(j) < A and
 * pos_z(j) < Z}, count = F(a_high, ·) − F(a_low, ·) over the z window. One sweep along a, inserting
 * each point's z position into a Fenwick tree, answers both ends of every window: O(n log n), exact.
 */
void plane_counts(const RankedColumn& a, const RankedColumn& z, const double* a_values, const double* eps, const int32_t* z_low,
                  const int32_t* z_high, int64_t n, int32_t* count) {
  Buffer<int32_t> a_low(n), a_high(n), starts(n + 2);
  std::fill(starts.begin(), starts.end(), 0);
  for (int64_t i = 0; i < n; ++i) {
    count[i] = 0;
    if (!(eps[i] > 0)) continue;
    a.window(a.position[i], eps[i], &a_low[i], &a_high[i]);
    ++starts[a_low[i] + 1];
    ++starts[a_high[i] + 1];
  }
  for (int64_t p = 0; p <= n; ++p) starts[p + 1] += starts[p];
  // Events by a position: row << 1 | (1 at the window's high end, 0 at its low end).
  Buffer<int32_t> events(starts[n + 1]);
  {
    Buffer<int32_t> fill(starts.begin(), starts.end());
    for (int64_t i = 0; i < n; ++i) {
      if (!(eps[i] > 0)) continue;
      events[fill[a_low[i]]++] = static_cast<int32_t>(i << 1);
      events[fill[a_high[i]]++] = static_cast<int32_t>(i << 1 | 1);
    }
  }
  InsertedPositions inserted(n);
  for (int64_t position = 0; position <= n; ++position) {
    for (int32_t e = starts[position]; e < starts[position + 1]; ++e) {
      const int32_t row = events[e] >> 1;
      const int32_t inside = inserted.below(z_high[row]) - inserted.below(z_low[row]);
      count[row] += (events[e] & 1) ? inside : -inside;
    }
    if (position < n) inserted.insert(z.position[a.order[position]]);
  }
  for (int64_t i = 0; i < n; ++i)
    if (eps[i] > 0) --count[i];  // the point itself
}

/** The kernel for one given column: kd-tree k-th distances, then the counts by rank sweeps. */
void counts_for_one_given(const double* shared, int64_t n, const double* given, const double* const* features, int64_t feature_count,
                          int32_t k, int32_t* count_xz, int32_t* count_yz, int32_t* count_z) {
  // Built once: what a new feature (or a shuffle of the shared variable) leaves unchanged.
  const RankedColumn ranked_z(given, n);
  const RankedColumn ranked_shared(shared, n);

  auto run_feature = [&](int64_t f, bool split_points) {
    const double* feature = features[f];
    const double* joint_columns[3] = {feature, shared, given};
    Buffer<double> eps(n);
    Buffer<int32_t> z_low(n), z_high(n);
    std::unique_ptr<RankedColumn> ranked_feature;
    const KdTree<3> joint(joint_columns, n);
    auto search = [&](int64_t from, int64_t to) {
      std::vector<double> best(k);
      joint.kth_distances(from, to, k, best.data(), [&](int32_t i, double distance) {
        eps[i] = distance;
        if (distance > 0) ranked_z.window(ranked_z.position[i], distance, &z_low[i], &z_high[i]);
        else z_low[i] = z_high[i] = 0;
      });
    };
    auto sweep = [&](int64_t which) {
      if (which == 0) {
        ranked_feature = std::make_unique<RankedColumn>(feature, n);
        plane_counts(*ranked_feature, ranked_z, feature, eps.data(), z_low.data(), z_high.data(), n, count_xz + f * n);
      } else {
        plane_counts(ranked_shared, ranked_z, shared, eps.data(), z_low.data(), z_high.data(), n, count_yz + f * n);
      }
    };
    if (split_points) {
      parallel_for(0, joint.leaf_count(), 256, [&](int, int64_t from, int64_t to) { search(from, to); });
      parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
        for (int64_t which = from; which < to; ++which) sweep(which);
      });
    } else {
      search(0, joint.leaf_count());
      sweep(0);
      sweep(1);
    }
    int32_t* z = count_z + f * n;
    for (int64_t i = 0; i < n; ++i) z[i] = eps[i] > 0 ? z_high[i] - z_low[i] - 1 : 0;
  };

  if (feature_count >= hardware_threads()) {
    parallel_tasks(feature_count, [&](int, int64_t f) { run_feature(f, false); });
  } else {
    for (int64_t f = 0; f < feature_count; ++f) run_feature(f, true);
  }
}

template <int DZ>
void counts_for_dimension(const double* shared, int64_t n, const double* const* given, const double* const* features, int64_t feature_count,
                          int32_t k, int32_t* count_xz, int32_t* count_yz, int32_t* count_z) {
  // Built once: what a new feature (or a shuffle of the shared variable) leaves unchanged.
  const double* shared_columns[DZ + 1];
  shared_columns[0] = shared;
  for (int d = 0; d < DZ; ++d) shared_columns[d + 1] = given[d];
  const KdTree<DZ + 1> shared_tree(shared_columns, n);
  const GivenCounter<DZ> given_counter(given, n);

  auto run_feature = [&](int64_t f, bool split_points) {
    const double* feature = features[f];
    const double* joint_columns[DZ + 2];
    joint_columns[0] = feature;
    joint_columns[1] = shared;
    for (int d = 0; d < DZ; ++d) joint_columns[d + 2] = given[d];
    const double* feature_columns[DZ + 1];
    feature_columns[0] = feature;
    for (int d = 0; d < DZ; ++d) feature_columns[d + 1] = given[d];
    std::unique_ptr<KdTree<DZ + 2>> joint;
    std::unique_ptr<KdTree<DZ + 1>> feature_tree;
    if (split_points) {
      parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
        for (int64_t which = from; which < to; ++which) {
          if (which == 0) joint = std::make_unique<KdTree<DZ + 2>>(joint_columns, n);
          else feature_tree = std::make_unique<KdTree<DZ + 1>>(feature_columns, n);
        }
      });
    } else {
      joint = std::make_unique<KdTree<DZ + 2>>(joint_columns, n);
      feature_tree = std::make_unique<KdTree<DZ + 1>>(feature_columns, n);
    }
    int32_t* xz = count_xz + f * n;
    int32_t* yz = count_yz + f * n;
    int32_t* z = count_z + f * n;
    auto query = [&](int64_t from, int64_t to) {
      std::vector<double> best(k);
      double point[DZ + 2];
      double sub[DZ + 1];
      for (int64_t p = from; p < to; ++p) {
        const int32_t i = joint->point_at(p);
        point[0] = feature[i];
        point[1] = shared[i];
        for (int d = 0; d < DZ; ++d) point[d + 2] = given[d][i];
        const double eps = joint->kth_distance(point, i, k, best.data());
        if (!(eps > 0)) {
          xz[i] = yz[i] = z[i] = 0;
          continue;
        }
        sub[0] = feature[i];
        for (int d = 0; d < DZ; ++d) sub[d + 1] = point[d + 2];
        xz[i] = static_cast<int32_t>(feature_tree->count_within(sub, eps) - 1);
        sub[0] = shared[i];
        yz[i] = static_cast<int32_t>(shared_tree.count_within(sub, eps) - 1);
        z[i] = static_cast<int32_t>(given_counter.others_within(point + 2, eps));
      }
    };
    if (split_points) {
      parallel_for(0, n, 2048, [&](int, int64_t from, int64_t to) { query(from, to); });
    } else {
      query(0, n);
    }
  };

  if (feature_count >= hardware_threads()) {
    parallel_tasks(feature_count, [&](int, int64_t f) { run_feature(f, false); });
  } else {
    for (int64_t f = 0; f < feature_count; ++f) run_feature(f, true);
  }
}

}  // namespace

void frenzel_pompe_counts(const double* shared, int64_t n, const double* const* given, int64_t given_count, const double* const* features,
                          int64_t feature_count, int32_t k, int32_t* count_xz, int32_t* count_yz, int32_t* count_z) {
  if (feature_count == 0 || n == 0) return;
  if (k < 1 || k > n - 1) throw KernelError(ErrorKind::Range, out_of_range_message("k", "an integer from 1 to " + std::to_string(n - 1), std::to_string(k)));
  switch (given_count) {
    case 1: return counts_for_one_given(shared, n, given[0], features, feature_count, k, count_xz, count_yz, count_z);
    case 2: return counts_for_dimension<2>(shared, n, given, features, feature_count, k, count_xz, count_yz, count_z);
    case 3: return counts_for_dimension<3>(shared, n, given, features, feature_count, k, count_xz, count_yz, count_z);
    case 4: return counts_for_dimension<4>(shared, n, given, features, feature_count, k, count_xz, count_yz, count_z);
    default:
      throw KernelError(ErrorKind::Range,
                        out_of_range_message("given", "1 to " + std::to_string(kMaxGivenColumns) + " columns", std::to_string(given_count) + " columns"));
  }
}

}  // namespace milens::cpu

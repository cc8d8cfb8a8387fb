// CPU Frenzel–Pompe counts (conditional MI, I(X;Y|Z) for continuous variables; see cmi.h). For each
// point: eps = its k-th Chebyshev neighbour distance in the joint (x, y, z) space, then the strict
// counts of other points within eps in the (x, z), (y, z) and z subspaces. Exactly the counts of the
// TypeScript reference (main/compute/reference/frenzel-pompe-counts.ts), whatever the search:
//
// - the k-th distance is a value, the same from any exact search. With one given column (the common
//   case) a 3-D grid at the marginal quantiles, searched ring by ring with exact lower bounds (see "One
//   given column" below); a column with a long run of equal values, or two to four given columns, a
//   kd-tree (D = 2 + dim z), with boxes pruned when their lower bound is ≥ the current k-th distance;
// - a count is the size of a set, {j ≠ i : |a_j − a_i| < eps for every coordinate a}. With one given
//   column, the points within eps of a value form one run of the sorted column (rounding of |a − b| is
//   monotone), found for every point walking the sorted column in order; the (x, z) and (y, z) counts
//   are then rectangles in (rank in x or y, rank in z), all answered by one sweep along the x (or y)
//   ranks that inserts each point's z rank into a bit set with constant-time prefix counts (O(n) after
//   the sorts). With two to four given columns, kd-trees over the subspaces count: a box is counted
//   whole when its farthest corner is within eps, skipped when its nearest point is not, its points
//   tested otherwise.
//
// What a shuffle of the shared variable does not change is built once per call: the sorted shared
// variable and z, their grid slabs, each row's (y, z) cell and the z ranks in y order (or the (shared,
// z) and z trees). Per feature, its sort, grid (or joint tree) and sweeps; with at least as many features
// as threads each thread takes whole features, otherwise the points of one feature are split across
// threads.
#include "cmi.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "buffer.h"
#include "neighbours.h"
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
  /**
   * window() for the positions [from, to) in order, radius_by_row[row] each, written by row (rows with
   * radius ≤ 0 get [0, 0)). The same runs as window(), found cheaper: walking in order, the density the
   * previous position saw (positions per unit of radius) predicts each run's length, so a power-of-two
   * bracket [p − width, p] (and [p, p + width]) whose far end is outside is found with few doublings, and
   * a branch-free bisection of it takes log2(width) steps with no jump on the data (the galloping of
   * window() mispredicted about every step). The predicates are window()'s, true at p and monotone
   * outward, so each bisection ends on the same boundary.
   */
  void windows_in_order(int64_t from, int64_t to, const double* radius_by_row, int32_t* low_by_row, int32_t* high_by_row) const {
    const int64_t n = static_cast<int64_t>(sorted.size());
    const double* values = sorted.data();
    double density = 0;  // positions per unit of radius, one side
    for (int64_t p = from; p < to; ++p) {
      const int32_t row = order[p];
      const double radius = radius_by_row[row];
      if (!(radius > 0)) {
        low_by_row[row] = high_by_row[row] = 0;
        continue;
      }
      const double value = values[p];
      const double predicted = 2 + density * radius * 1.25;
      // The smallest power of two ≥ the prediction (capped at n: every doubling below stops by then).
      const uint64_t wanted = predicted < static_cast<double>(n) ? static_cast<uint64_t>(predicted) : static_cast<uint64_t>(n);
      const int64_t width = wanted <= 1 ? 1 : int64_t{1} << (64 - __builtin_clzll(wanted - 1));
      // Below: `outside` is a position whose value is not within radius (or −1), the run starts after it.
      int64_t outside;
      for (int64_t w = width;; w <<= 1) {
        if (p - w < 0) {
          outside = -1;
          break;
        }
        if (!(value - values[p - w] < radius)) {
          outside = p - w;
          break;
        }
      }
      int64_t low = outside;
      for (int64_t length = p - outside; length > 1;) {
        const int64_t half = length >> 1;
        low = value - values[low + half] < radius ? low : low + half;
        length -= half;
      }
      // Above: likewise, `inside` stays within the run, `beyond` past it (or n).
      int64_t beyond;
      for (int64_t w = width;; w <<= 1) {
        if (p + w >= n) {
          beyond = n;
          break;
        }
        if (!(values[p + w] - value < radius)) {
          beyond = p + w;
          break;
        }
      }
      int64_t inside = p;
      for (int64_t length = beyond - p; length > 1;) {
        const int64_t half = length >> 1;
        inside = values[inside + half] - value < radius ? inside + half : inside;
        length -= half;
      }
      low_by_row[row] = static_cast<int32_t>(low + 1);
      high_by_row[row] = static_cast<int32_t>(inside + 1);
      density = 0.5 * static_cast<double>(inside - low) / radius;
    }
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
 * A set of positions in [0, n) answering "how many inserted positions are < end" in O(1): one bit per
 * position, per 64-bit word the count of inserted positions in the earlier words of its superblock (64
 * words, 4,096 positions; 16 bits each), and per superblock the count in the earlier superblocks. An
 * insert adds 1 to the later words of its superblock (a fixed loop of 64 that compiles to a few vector
 * adds) and to the later superblocks (n / 4,096 of them, contiguous); a query is three reads and a
 * popcount. At 10^5 positions it is 12 KB of bits, 3 KB of word counts and 100 bytes of superblock
 * counts, cache-resident; the Fenwick tree over blocks it replaced took 11 dependent steps a query.
 */
class InsertedPositions {
 public:
  explicit InsertedPositions(int64_t n)
      : bits_(((n >> 12) + 1) << 6, 0), words_(bits_.size(), 0), superblocks_((n >> 12) + 2, 0) {}
  void insert(int32_t position) {
    const int64_t word = position >> 6, superblock = position >> 12;
    bits_[word] |= uint64_t{1} << (position & 63);
    uint16_t* words = words_.data() + (superblock << 6);
    const int32_t within = static_cast<int32_t>(word & 63);
    for (int32_t w = 0; w < 64; ++w) words[w] = static_cast<uint16_t>(words[w] + (w > within));
    for (size_t s = superblock + 1; s < superblocks_.size(); ++s) ++superblocks_[s];
  }
  int32_t below(int32_t end) const {
    const uint64_t partial = bits_[end >> 6] & ((uint64_t{1} << (end & 63)) - 1);
    return superblocks_[end >> 12] + words_[end >> 6] + static_cast<int32_t>(popcount64(partial));
  }

 private:
  std::vector<uint64_t> bits_;
  std::vector<uint16_t> words_;
  std::vector<int32_t> superblocks_;
};

/**
 * count[i] = #{j ≠ i : a_j within eps_i of a_i and z_j within eps_i of z_i} for every i with eps_i > 0,
 * as rectangle counts over (position in a, position in z): with F(A, Z) = #{j : pos_a(j) < A and
 * pos_z(j) < Z}, count = F(a_high, ·) − F(a_low, ·) over the z window. One sweep along a, inserting
 * each point's z position into InsertedPositions, answers both ends of every window: O(n) after the
 * windows, exact.
 */
void plane_counts(const RankedColumn& a, const int32_t* z_by_a_rank, const double* eps, const int32_t* z_low, const int32_t* z_high, int64_t n,
                  int32_t* count) {
  Buffer<int32_t> a_low(n), a_high(n), starts(n + 2);
  std::fill(starts.begin(), starts.end(), 0);
  a.windows_in_order(0, n, eps, a_low.data(), a_high.data());
  for (int64_t i = 0; i < n; ++i) {
    count[i] = 0;
    if (!(eps[i] > 0)) continue;
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
    if (position < n) inserted.insert(z_by_a_rank[position]);
  }
  for (int64_t i = 0; i < n; ++i)
    if (eps[i] > 0) --count[i];  // the point itself
}

// ---- One given column: the k-th distances on a 3-D grid -------------------------------------------
//
// The (x, y, z) space is cut into G × G × G cells at the marginal quantiles of each column (G ≈ ∛(n /
// kGridPointsPerCell)): an x slab holds a run of consecutive x ranks, likewise y and z, so every slab
// holds about n / G points whatever the scale of the data. Each slab keeps the smallest and largest value
// it holds; the lower bound of a cell's distance from a query is the largest of its three slab bounds
// (0 in the query's own slab). The search visits the query's own cell, then rings of cells outward (ring
// r: the cells r slabs away in at least one coordinate), skips every x slab, (x, y) column and cell whose
// bound is ≥ the current k-th distance, and stops before the first ring whose six faces all are. Points
// so skipped cannot change the k-th smallest distance (only a distance below it enters), so eps is
// exactly the kd-tree's, ties in distance included: the k-th smallest of the same multiset of doubles.
// Rounding is monotone, so a bound computed from a slab's extreme value never exceeds the computed
// |a − b| to any point of the slab. The y and z slabs are the same for every feature of a call (the
// shared variable and the given column): each row's (y, z) cell is found once per call.

/**
 * Average points per cell of the 3-D grid. Measured (instructions of the whole kernel, 10^5 points, one
 * feature, k = 3): 0.5: 392.6 M, 0.7: 390.5 M, 1: 393.3 M, 1.4: 399.1 M, 2: 408.3 M, 3: 419.6 M, 4: 434.2 M.
 * 1 keeps the cell starts (4 bytes a cell) at 4 bytes a point.
 */
constexpr double kGridPointsPerCell = 1;
/** A run of more equal values than this in x, y or z sends the feature to the kd-tree (as ksg.cc). */
constexpr int64_t kGridMaxTieRun = 32;

int64_t longest_tie_run(const Buffer<double>& sorted) {
  int64_t longest = sorted.empty() ? 0 : 1, run = 1;
  for (size_t p = 1; p < sorted.size(); ++p) {
    run = sorted[p] == sorted[p - 1] ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  return longest;
}

int64_t joint_grid_size(int64_t n) {
  const int64_t size = static_cast<int64_t>(std::cbrt(static_cast<double>(n) / kGridPointsPerCell));
  return std::max<int64_t>(1, std::min<int64_t>(size, 256));  // at most 16.8 M cells (67 MB of starts)
}

/** Slab s of a marginal cut into `parts` quantile runs: the ranks p with p · parts / n = s, and its extremes. */
struct Slabs {
  int64_t n = 0, parts = 1;
  std::vector<double> low, high;

  Slabs(const RankedColumn& column, int64_t parts) : n(static_cast<int64_t>(column.sorted.size())), parts(parts), low(parts), high(parts) {
    for (int64_t s = 0; s < parts; ++s) {
      low[s] = column.sorted[start(s)];
      high[s] = column.sorted[start(s + 1) - 1];
    }
  }
  int64_t part_of(int64_t rank) const { return rank * parts / n; }
  int64_t start(int64_t part) const { return (part * n + parts - 1) / parts; }
  /** Lower bound on |a − q| for every value a of slab s, for a query q in slab `own`. */
  double bound(int64_t s, int64_t own, double q) const { return s < own ? q - high[s] : s > own ? low[s] - q : 0.0; }
};

/** A row's shared-variable and given values and its (y, z) cell, read together where the grid is packed. */
struct SharedPoint {
  double y, z;
  int32_t yz_cell;  // y slab · G + z slab
};

/** One feature's grid: the points packed cell by cell (cell = (x slab · G + y slab) · G + z slab). */
struct JointGrid {
  int64_t size = 1;
  Buffer<int32_t> cell_start;  // G³ + 1
  Buffer<double> xs, ys, zs;
  Buffer<int32_t> rows;
};

/**
 * Packs the points x slab by x slab: a slab is a run of x ranks, read in x order, counting-sorted by its
 * (y, z) cell within the slab (the slab's share of the arrays stays in cache).
 */
void build_joint_grid(const RankedColumn& x, const Slabs& x_slabs, const Buffer<SharedPoint>& shared_points, JointGrid& grid) {
  const int64_t size = x_slabs.parts, plane = size * size, n = static_cast<int64_t>(x.sorted.size());
  grid.size = size;
  grid.cell_start.resize(plane * size + 1);
  grid.cell_start[plane * size] = static_cast<int32_t>(n);
  grid.xs.resize(n);
  grid.ys.resize(n);
  grid.zs.resize(n);
  grid.rows.resize(n);
  std::vector<int32_t> fill(plane);
  Buffer<SharedPoint> slab_points;
  for (int64_t c = 0; c < size; ++c) {
    const int64_t first = x_slabs.start(c), last = x_slabs.start(c + 1);
    slab_points.resize(last - first);
    std::fill(fill.begin(), fill.end(), 0);
    for (int64_t p = first; p < last; ++p) {
      const SharedPoint point = shared_points[x.order[p]];
      slab_points[p - first] = point;
      ++fill[point.yz_cell];
    }
    int32_t at = static_cast<int32_t>(first);
    for (int64_t cell = 0; cell < plane; ++cell) {
      const int32_t count = fill[cell];
      grid.cell_start[c * plane + cell] = at;
      fill[cell] = at;
      at += count;
    }
    for (int64_t p = first; p < last; ++p) {
      const SharedPoint point = slab_points[p - first];
      const int32_t q = fill[point.yz_cell]++;
      grid.xs[q] = x.sorted[p];
      grid.ys[q] = point.y;
      grid.zs[q] = point.z;
      grid.rows[q] = x.order[p];
    }
  }
}

/** The k-th distance search of the point packed at position p, in cell (c, r, s). */
struct JointSearch {
  const JointGrid& grid;
  const Slabs &x_slabs, &y_slabs, &z_slabs;
  int64_t p, c, r, s;
  double qx, qy, qz;

  JointSearch(const JointGrid& grid, const Slabs& x_slabs, const Slabs& y_slabs, const Slabs& z_slabs, int64_t p, int64_t cell)
      : grid(grid), x_slabs(x_slabs), y_slabs(y_slabs), z_slabs(z_slabs), p(p), qx(grid.xs[p]), qy(grid.ys[p]), qz(grid.zs[p]) {
    const int64_t size = grid.size;
    c = cell / (size * size);
    r = (cell / size) % size;
    s = cell % size;
  }

  template <class Nearest>
  void offer_cells(int64_t first_cell, int64_t last_cell, Nearest& nearest) const {
    const int64_t start = grid.cell_start[first_cell], end = grid.cell_start[last_cell + 1];
    for (int64_t q = start; q < end; ++q) {
      const double distance = std::max(std::max(std::fabs(grid.xs[q] - qx), std::fabs(grid.ys[q] - qy)), std::fabs(grid.zs[q] - qz));
      nearest.offer(distance);
    }
  }

  template <class Nearest>
  double kth(Nearest& nearest) const {
    const double infinity = std::numeric_limits<double>::infinity();
    const int64_t size = grid.size;
    nearest.reset();
    {  // ring 0: the own cell, the point itself left out
      const int64_t cell = (c * size + r) * size + s;
      const int64_t start = grid.cell_start[cell], end = grid.cell_start[cell + 1];
      for (int64_t q = start; q < end; ++q) {
        const double distance = std::max(std::max(std::fabs(grid.xs[q] - qx), std::fabs(grid.ys[q] - qy)), std::fabs(grid.zs[q] - qz));
        nearest.offer(q == p ? infinity : distance);  // +∞ is never kept
      }
    }
    for (int64_t ring = 1;; ++ring) {
      // Every cell of the ring lies in one of its six faces; an absent face bounds nothing (+∞).
      const double left = c - ring >= 0 ? qx - x_slabs.high[c - ring] : infinity;
      const double right = c + ring < size ? x_slabs.low[c + ring] - qx : infinity;
      const double below = r - ring >= 0 ? qy - y_slabs.high[r - ring] : infinity;
      const double above = r + ring < size ? y_slabs.low[r + ring] - qy : infinity;
      const double front = s - ring >= 0 ? qz - z_slabs.high[s - ring] : infinity;
      const double back = s + ring < size ? z_slabs.low[s + ring] - qz : infinity;
      if (std::min(std::min(std::min(left, right), std::min(below, above)), std::min(front, back)) >= nearest.kth()) break;
      const int64_t s_from = std::max<int64_t>(0, s - ring), s_to = std::min<int64_t>(size - 1, s + ring);
      for (int64_t cc = std::max<int64_t>(0, c - ring); cc <= std::min<int64_t>(size - 1, c + ring); ++cc) {
        const double bx = x_slabs.bound(cc, c, qx);
        if (bx >= nearest.kth()) continue;
        const bool x_face = cc == c - ring || cc == c + ring;
        for (int64_t rr = std::max<int64_t>(0, r - ring); rr <= std::min<int64_t>(size - 1, r + ring); ++rr) {
          const double bxy = std::max(bx, y_slabs.bound(rr, r, qy));
          if (bxy >= nearest.kth()) continue;
          const int64_t column = (cc * size + rr) * size;
          if (x_face || rr == r - ring || rr == r + ring) {
            // The whole z run of this (x, y) column is in the ring: the cells inside the z bound are
            // consecutive, so they are read as one run of packed positions.
            int64_t from = s_from, to = s_to;
            while (from < s && std::max(bxy, qz - z_slabs.high[from]) >= nearest.kth()) ++from;
            while (to > s && std::max(bxy, z_slabs.low[to] - qz) >= nearest.kth()) --to;
            offer_cells(column + from, column + to, nearest);
          } else {
            if (s - ring >= 0 && std::max(bxy, front) < nearest.kth()) offer_cells(column + s - ring, column + s - ring, nearest);
            if (s + ring < size && std::max(bxy, back) < nearest.kth()) offer_cells(column + s + ring, column + s + ring, nearest);
          }
        }
      }
    }
    return nearest.kth();
  }
};

/** eps of the points packed at [from, to), stored by row. */
template <class Nearest>
void joint_grid_eps_with(const JointGrid& grid, const Slabs& x_slabs, const Slabs& y_slabs, const Slabs& z_slabs, Nearest nearest, int64_t from,
                         int64_t to, double* eps_by_row) {
  int64_t cell = std::upper_bound(grid.cell_start.begin(), grid.cell_start.end(), static_cast<int32_t>(from)) - grid.cell_start.begin() - 1;
  for (int64_t p = from; p < to; ++p) {
    while (grid.cell_start[cell + 1] <= p) ++cell;
    eps_by_row[grid.rows[p]] = JointSearch(grid, x_slabs, y_slabs, z_slabs, p, cell).kth(nearest);
  }
}

void joint_grid_eps(const JointGrid& grid, const Slabs& x_slabs, const Slabs& y_slabs, const Slabs& z_slabs, int32_t k, int64_t from, int64_t to,
                    double* eps_by_row) {
  switch (k) {  // the usual small k without branches
    case 1: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, FixedKSmallest<1>{}, from, to, eps_by_row);
    case 2: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, FixedKSmallest<2>{}, from, to, eps_by_row);
    case 3: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, FixedKSmallest<3>{}, from, to, eps_by_row);
    case 4: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, FixedKSmallest<4>{}, from, to, eps_by_row);
    case 5: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, FixedKSmallest<5>{}, from, to, eps_by_row);
    default: return joint_grid_eps_with(grid, x_slabs, y_slabs, z_slabs, KSmallest(k), from, to, eps_by_row);
  }
}

/** The kernel for one given column: grid (or, for long tie runs, kd-tree) k-th distances, then the counts by rank sweeps. */
void counts_for_one_given(const double* shared, int64_t n, const double* given, const double* const* features, int64_t feature_count,
                          int32_t k, int32_t* count_xz, int32_t* count_yz, int32_t* count_z) {
  // Built once: what a new feature (or a shuffle of the shared variable) leaves unchanged: the sorts of
  // the shared variable and z, their slabs, each row's (y, z) cell, and the z ranks in y order.
  const RankedColumn ranked_z(given, n);
  const RankedColumn ranked_shared(shared, n);
  const int64_t size = joint_grid_size(n);
  const bool shared_on_grid = longest_tie_run(ranked_z.sorted) <= kGridMaxTieRun && longest_tie_run(ranked_shared.sorted) <= kGridMaxTieRun;
  const Slabs y_slabs(ranked_shared, size), z_slabs(ranked_z, size);
  Buffer<SharedPoint> shared_points(shared_on_grid ? n : 0);
  if (shared_on_grid) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t cell = y_slabs.part_of(ranked_shared.position[i]) * size + z_slabs.part_of(ranked_z.position[i]);
      shared_points[i] = SharedPoint{shared[i], given[i], static_cast<int32_t>(cell)};
    }
  }
  Buffer<int32_t> z_by_shared_rank(n);
  for (int64_t p = 0; p < n; ++p) z_by_shared_rank[p] = ranked_z.position[ranked_shared.order[p]];

  auto run_feature = [&](int64_t f, bool split_points) {
    const double* feature = features[f];
    const RankedColumn ranked_feature(feature, n);
    Buffer<double> eps(n);
    auto over_points = [&](int64_t chunk, auto&& body) {
      if (split_points) parallel_for(0, n, chunk, [&](int, int64_t from, int64_t to) { body(from, to); });
      else body(0, n);
    };
    if (shared_on_grid && longest_tie_run(ranked_feature.sorted) <= kGridMaxTieRun) {
      const Slabs x_slabs(ranked_feature, size);
      JointGrid grid;
      build_joint_grid(ranked_feature, x_slabs, shared_points, grid);
      over_points(2048, [&](int64_t from, int64_t to) { joint_grid_eps(grid, x_slabs, y_slabs, z_slabs, k, from, to, eps.data()); });
    } else {
      const double* joint_columns[3] = {feature, shared, given};
      const KdTree<3> joint(joint_columns, n);
      auto search = [&](int64_t from, int64_t to) {
        std::vector<double> best(k);
        joint.kth_distances(from, to, k, best.data(), [&](int32_t i, double distance) { eps[i] = distance; });
      };
      if (split_points) parallel_for(0, joint.leaf_count(), 256, [&](int, int64_t from, int64_t to) { search(from, to); });
      else search(0, joint.leaf_count());
    }
    Buffer<int32_t> z_low(n), z_high(n);
    int32_t* z = count_z + f * n;
    over_points(4096, [&](int64_t from, int64_t to) { ranked_z.windows_in_order(from, to, eps.data(), z_low.data(), z_high.data()); });
    for (int64_t i = 0; i < n; ++i) z[i] = eps[i] > 0 ? z_high[i] - z_low[i] - 1 : 0;
    auto sweep = [&](int64_t which) {
      if (which == 0) {
        Buffer<int32_t> z_by_feature_rank(n);
        for (int64_t p = 0; p < n; ++p) z_by_feature_rank[p] = ranked_z.position[ranked_feature.order[p]];
        plane_counts(ranked_feature, z_by_feature_rank.data(), eps.data(), z_low.data(), z_high.data(), n, count_xz + f * n);
      } else {
        plane_counts(ranked_shared, z_by_shared_rank.data(), eps.data(), z_low.data(), z_high.data(), n, count_yz + f * n);
      }
    };
    if (split_points) {
      parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
        for (int64_t which = from; which < to; ++which) sweep(which);
      });
    } else {
      sweep(0);
      sweep(1);
    }
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

// CPU KSG counts, O(n log n) per feature (the sorts), every query close to O(k) on a grid:
//
// 1. x and y are radix-sorted once (y once for all features); each point's rank in each marginal is kept.
// 2. The (x, y) plane is cut into G × G cells at marginal quantiles (G ≈ √(n / kPointsPerCell)): a
//    column holds a run of consecutive x ranks, a row a run of y ranks, so every column and row holds
//    about the same number of points whatever the scale or spread of the data. The points are packed
//    cell by cell (counting sort), and each column / row keeps the smallest and largest value it holds.
// 3. A point's k-th Chebyshev neighbour distance eps is found by scanning rings of cells around its own
//    cell, nearest first; a cell whose lower bound on the distance (from the column's and row's extreme
//    values) is ≥ the current k-th distance is skipped, and the search stops at the first ring whose
//    four sides all are. Such points cannot change the k-th smallest distance, so eps is exactly the one
//    an exhaustive search (or the kd-tree) finds, in whatever order the cells are visited. For k ≤ 5,
//    rings 0 and 1 are instead the points of the cell's 3 × 3 block, gathered once per cell and all
//    offered to a branch-free k-smallest (min / max): more candidates, but no mispredicted jumps.
// 4. eps is stored by the point's rank in each marginal, and the strict marginal counts then walk each
//    sorted marginal in order, galloping outward from the point's own position: the run |v − x_i| < eps
//    is short (hundreds of points) and lies next to the previous point's, so the pass streams through
//    memory instead of binary-searching a multi-megabyte array at random for every point; the bracket
//    the gallop ends in is bisected without branches.
//
// All distances are |a − b| computed in float64, as scikit-learn computes them. Rounding is monotone, so
// a bound computed from a column's extreme value never exceeds the computed distance to any point in it,
// and the points within eps of a value form one contiguous run of the sorted marginal.
//
// Columns with long runs of tied values (which make rank-cut columns share values and defeat the
// pruning) fall back to the kd-tree of neighbours.h; the estimator's tie rule leaves none in practice.
// Points are processed in cell order (cache-friendly) and split across threads; with at least as many
// features as threads, each thread takes whole features instead.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "neighbours.h"
#include "parallel.h"
#include "radix_sort.h"

namespace milens::cpu {
namespace {

/** Average points per grid cell: small enough that ring 0/1 holds the k nearest, large enough to amortise cells. */
constexpr int64_t kPointsPerCell = 2;
/** A run of more equal values than this in x or y sends the feature to the kd-tree. */
constexpr int64_t kMaxTieRun = 32;

/** One marginal sorted: sorted values, and each point's position in them (ties in index order). */
struct SortedMarginal {
  std::vector<double> sorted;
  std::vector<int32_t> order;  // order[p]: the point at sorted position p
  std::vector<int32_t> rank;   // rank[i]: the sorted position of point i
  int64_t longest_tie_run = 0;
};

/** The marginal sorted by stable_argsort (radix_sort.h): O(n), no comparator calls. */
SortedMarginal sort_marginal(const double* values, int64_t n) {
  std::vector<int32_t> order = stable_argsort(values, n);
  SortedMarginal result;
  result.sorted.resize(n);
  result.rank.resize(n);
  int64_t run = 0;
  for (int64_t p = 0; p < n; ++p) {
    result.sorted[p] = values[order[p]];
    result.rank[order[p]] = static_cast<int32_t>(p);
    run = p > 0 && result.sorted[p] == result.sorted[p - 1] ? run + 1 : 1;
    result.longest_tie_run = std::max(result.longest_tie_run, run);
  }
  result.order = std::move(order);
  return result;
}

/**
 * #{j ≠ at : |sorted[j] − sorted[at]| < radius}, galloping outward from `at`: the same predicates as
 * count_strictly_within (neighbours.cc), searched from the point's own position instead of the ends.
 */
int64_t count_strictly_within_from(const double* sorted, int64_t n, int64_t at, double radius) {
  if (!(radius > 0)) return 0;
  const double value = sorted[at];
  // Downward: inside(j) ⇔ value − sorted[j] < radius, true at `at`, monotone in j.
  int64_t inside = at, outside = -1;
  for (int64_t step = 1;; step <<= 1) {
    const int64_t probe = at - step;
    if (probe < 0) break;
    if (!(value - sorted[probe] < radius)) {
      outside = probe;
      break;
    }
    inside = probe;
  }
  // Branch-free bisection (the outcome of each probe is unpredictable): `low` stays outside, low + length
  // inside; the first inside position is low + 1 when length reaches 1.
  int64_t low = outside;
  for (int64_t length = inside - outside; length > 1;) {
    const int64_t half = length >> 1;
    low = value - sorted[low + half] < radius ? low : low + half;
    length -= half;
  }
  const int64_t first = low + 1;
  // Upward: inside(j) ⇔ sorted[j] − value < radius.
  inside = at;
  outside = n;
  for (int64_t step = 1;; step <<= 1) {
    const int64_t probe = at + step;
    if (probe >= n) break;
    if (!(sorted[probe] - value < radius)) {
      outside = probe;
      break;
    }
    inside = probe;
  }
  // Likewise: `low` stays inside, low + length outside; the last inside position is low.
  low = inside;
  for (int64_t length = outside - inside; length > 1;) {
    const int64_t half = length >> 1;
    low = sorted[low + half] - value < radius ? low + half : low;
    length -= half;
  }
  return low - first;  // (low − first + 1) points, less the point itself
}

/** Cuts n ranks into `parts` runs: run c holds the ranks p with p · parts / n = c. */
struct QuantileCuts {
  int64_t n, parts;
  int64_t part_of(int64_t rank) const { return rank * parts / n; }
  int64_t start(int64_t part) const { return (part * n + parts - 1) / parts; }
};

/** The smallest and largest value in each quantile run of a sorted marginal. */
void run_extremes(const std::vector<double>& sorted, const QuantileCuts& cuts, std::vector<double>& low, std::vector<double>& high) {
  low.resize(cuts.parts);
  high.resize(cuts.parts);
  for (int64_t c = 0; c < cuts.parts; ++c) {
    low[c] = sorted[cuts.start(c)];
    high[c] = sorted[cuts.start(c + 1) - 1];
  }
}

/** One feature's grid: points packed cell by cell (cell = column · G + row). */
struct Grid {
  int64_t size = 1;  // G
  std::vector<int64_t> cell_start;  // G² + 1
  std::vector<double> xs, ys;
  std::vector<int32_t> x_ranks, y_ranks;
  std::vector<double> column_low, column_high;
};

struct SharedTarget {
  SortedMarginal marginal;
  QuantileCuts cuts;
  std::vector<double> row_low, row_high;
};

int64_t grid_size(int64_t n) {
  const int64_t size = static_cast<int64_t>(std::sqrt(static_cast<double>(n) / kPointsPerCell));
  return std::max<int64_t>(1, std::min<int64_t>(size, 46000));  // G² cells stay addressable and modest
}

void build_grid(const double* x, const double* y, int64_t n, const SortedMarginal& x_marginal, const SharedTarget& target, Grid& grid) {
  grid.size = target.cuts.parts;
  const int64_t size = grid.size;
  const QuantileCuts cuts{n, size};
  run_extremes(x_marginal.sorted, cuts, grid.column_low, grid.column_high);
  std::vector<int32_t> cell_of(n);
  grid.cell_start.assign(size * size + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t cell = cuts.part_of(x_marginal.rank[i]) * size + cuts.part_of(target.marginal.rank[i]);
    cell_of[i] = static_cast<int32_t>(cell);
    ++grid.cell_start[cell + 1];
  }
  for (int64_t c = 0; c < size * size; ++c) grid.cell_start[c + 1] += grid.cell_start[c];
  std::vector<int64_t> fill(grid.cell_start.begin(), grid.cell_start.end() - 1);
  grid.xs.resize(n);
  grid.ys.resize(n);
  grid.x_ranks.resize(n);
  grid.y_ranks.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = fill[cell_of[i]]++;
    grid.xs[p] = x[i];
    grid.ys[p] = y[i];
    grid.x_ranks[p] = x_marginal.rank[i];
    grid.y_ranks[p] = target.marginal.rank[i];
  }
}

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

/**
 * The points of a cell's 3 × 3 block (the cell and ring 1 around it), gathered once for all the points of
 * the cell: each of them then offers every one of these distances without branches, instead of testing
 * each cell's bound first. Offering more candidates than the bounds let through never changes the k-th
 * smallest distance (the skipped ones could not have entered it), so eps stays exactly the same.
 */
struct BlockCandidates {
  int64_t cell = -1;
  std::vector<double> xs, ys;
  std::vector<int64_t> positions;

  void gather(const Grid& grid, int64_t column, int64_t row) {
    xs.clear();
    ys.clear();
    positions.clear();
    const int64_t size = grid.size;
    for (int64_t c = std::max<int64_t>(0, column - 1); c <= std::min<int64_t>(size - 1, column + 1); ++c) {
      const int64_t first = grid.cell_start[c * size + std::max<int64_t>(0, row - 1)];
      const int64_t last = grid.cell_start[c * size + std::min<int64_t>(size - 1, row + 1) + 1];  // the rows are adjacent cells
      for (int64_t q = first; q < last; ++q) {
        xs.push_back(grid.xs[q]);
        ys.push_back(grid.ys[q]);
        positions.push_back(q);
      }
    }
  }
};

/**
 * eps of the point packed at position p: its k-th nearest other point, Chebyshev metric. With `block`
 * (the candidates of p's cell), rings 0 and 1 are offered from it; without, cell by cell with bounds.
 */
template <class Nearest>
double grid_kth_distance(const Grid& grid, const SharedTarget& target, int64_t p, int64_t column, int64_t row, Nearest& nearest,
                         const BlockCandidates* block) {
  const int64_t size = grid.size;
  const double qx = grid.xs[p], qy = grid.ys[p];
  nearest.reset();
  const double infinity = std::numeric_limits<double>::infinity();
  // Lower bound on |x_j − qx| for every point j of column c (0 for the point's own column).
  auto column_bound = [&](int64_t c) { return c < column ? qx - grid.column_high[c] : c > column ? grid.column_low[c] - qx : 0.0; };
  auto row_bound = [&](int64_t r) { return r < row ? qy - target.row_high[r] : r > row ? target.row_low[r] - qy : 0.0; };
  auto scan_cell = [&](int64_t c, int64_t r) {
    const double bound = std::max(column_bound(c), row_bound(r));
    if (bound >= nearest.kth()) return;
    const int64_t cell = c * size + r;
    const int64_t start = grid.cell_start[cell], end = grid.cell_start[cell + 1];
    auto offer_range = [&](int64_t from, int64_t to) {
      for (int64_t q = from; q < to; ++q) {
        const double ax = std::fabs(grid.xs[q] - qx), ay = std::fabs(grid.ys[q] - qy);
        nearest.offer(ax > ay ? ax : ay);
      }
    };
    if (p >= start && p < end) {  // the point's own cell: every point but itself
      offer_range(start, p);
      offer_range(p + 1, end);
    } else {
      offer_range(start, end);
    }
  };
  if (block != nullptr) {
    const int64_t count = static_cast<int64_t>(block->xs.size());
    const double* xs = block->xs.data();
    const double* ys = block->ys.data();
    const int64_t* positions = block->positions.data();
    for (int64_t j = 0; j < count; ++j) {
      const double ax = std::fabs(xs[j] - qx), ay = std::fabs(ys[j] - qy);
      const double distance = ax > ay ? ax : ay;
      nearest.offer(positions[j] == p ? infinity : distance);  // +∞ is never kept: the point itself is left out
    }
  } else {
    scan_cell(column, row);
    // Ring 1 edge neighbours before its corners: a corner's bound is the larger of two edges' bounds, so
    // once the k-th distance has shrunk over the edges, most corners are skipped.
    if (column > 0) scan_cell(column - 1, row);
    if (column + 1 < size) scan_cell(column + 1, row);
    if (row > 0) scan_cell(column, row - 1);
    if (row + 1 < size) scan_cell(column, row + 1);
    for (int64_t dc = -1; dc <= 1; dc += 2) {
      for (int64_t dr = -1; dr <= 1; dr += 2) {
        if (column + dc >= 0 && column + dc < size && row + dr >= 0 && row + dr < size) scan_cell(column + dc, row + dr);
      }
    }
  }
  for (int64_t ring = 2;; ++ring) {
    const bool has_left = column - ring >= 0, has_right = column + ring < size;
    const bool has_below = row - ring >= 0, has_above = row + ring < size;
    const double left = has_left ? qx - grid.column_high[column - ring] : infinity;
    const double right = has_right ? grid.column_low[column + ring] - qx : infinity;
    const double below = has_below ? qy - target.row_high[row - ring] : infinity;
    const double above = has_above ? target.row_low[row + ring] - qy : infinity;
    // Every point of the ring lies in one of its four sides; an absent side bounds nothing (+∞).
    if (std::min(std::min(left, right), std::min(below, above)) >= nearest.kth()) break;
    const int64_t column_from = std::max<int64_t>(0, column - ring), column_to = std::min<int64_t>(size - 1, column + ring);
    const int64_t row_from = std::max<int64_t>(0, row - ring + 1), row_to = std::min<int64_t>(size - 1, row + ring - 1);
    if (has_below && below < nearest.kth())
      for (int64_t c = column_from; c <= column_to; ++c) scan_cell(c, row - ring);
    if (has_above && above < nearest.kth())
      for (int64_t c = column_from; c <= column_to; ++c) scan_cell(c, row + ring);
    if (has_left && left < nearest.kth())
      for (int64_t r = row_from; r <= row_to; ++r) scan_cell(column - ring, r);
    if (has_right && right < nearest.kth())
      for (int64_t r = row_from; r <= row_to; ++r) scan_cell(column + ring, r);
  }
  return nearest.kth();
}

/**
 * eps of the points packed at positions [from, to) of the grid, stored by each point's x rank and by its
 * y rank: the counting passes then walk the sorted marginals in order (see marginal_counts).
 */
template <class Nearest>
void grid_eps_with(const Grid& grid, const SharedTarget& target, Nearest& nearest, int64_t from, int64_t to, double* eps_by_x_rank,
                   double* eps_by_y_rank) {
  const int64_t size = grid.size;
  // Positions map to cells monotonically: walk the cells alongside.
  int64_t cell = std::upper_bound(grid.cell_start.begin(), grid.cell_start.end(), from) - grid.cell_start.begin() - 1;
  BlockCandidates block;
  for (int64_t p = from; p < to; ++p) {
    while (grid.cell_start[cell + 1] <= p) ++cell;
    if (Nearest::kBranchFree && block.cell != cell) {
      block.gather(grid, cell / size, cell % size);
      block.cell = cell;
    }
    const double eps = grid_kth_distance(grid, target, p, cell / size, cell % size, nearest, Nearest::kBranchFree ? &block : nullptr);
    eps_by_x_rank[grid.x_ranks[p]] = eps;
    eps_by_y_rank[grid.y_ranks[p]] = eps;
  }
}

void grid_eps(const Grid& grid, const SharedTarget& target, int32_t k, int64_t from, int64_t to, double* eps_by_x_rank,
              double* eps_by_y_rank) {
  auto run = [&](auto nearest) { grid_eps_with(grid, target, nearest, from, to, eps_by_x_rank, eps_by_y_rank); };
  switch (k) {  // the usual small k without branches; larger k keep the insertion with its early exit
    case 1: return run(FixedKSmallest<1>{});
    case 2: return run(FixedKSmallest<2>{});
    case 3: return run(FixedKSmallest<3>{});
    case 4: return run(FixedKSmallest<4>{});
    case 5: return run(FixedKSmallest<5>{});
    default: return run(KSmallest(k));
  }
}

/**
 * Strict counts for sorted positions [from, to) of one marginal. Walking the positions in order keeps
 * each gallop next to the previous one in memory, so the whole pass streams through the sorted values
 * instead of jumping to a random place of a multi-megabyte array for every point.
 */
void marginal_counts(const SortedMarginal& marginal, const double* eps_by_rank, int64_t n, int64_t from, int64_t to, int32_t* out) {
  for (int64_t p = from; p < to; ++p) {
    out[marginal.order[p]] = static_cast<int32_t>(count_strictly_within_from(marginal.sorted.data(), n, p, eps_by_rank[p]));
  }
}

/** The previous kernel, kept for tie-heavy columns: kd-tree eps, binary-search counts. */
void kd_tree_counts(const double* x, const double* target, const std::vector<double>& sorted_x, const std::vector<double>& sorted_y,
                    int64_t n, int32_t k, bool threaded, int32_t* out_x, int32_t* out_y) {
  const ChebyshevKdTree tree(x, target, n);
  auto body = [&](int, int64_t from, int64_t to) {
    std::vector<double> heap;
    heap.reserve(k);
    for (int64_t p = from; p < to; ++p) {
      const int64_t i = tree.point_at(p);
      const double eps = tree.kth_distance(x[i], target[i], i, k, heap);
      out_x[i] = static_cast<int32_t>(count_strictly_within(sorted_x.data(), n, x[i], eps, false));
      out_y[i] = static_cast<int32_t>(count_strictly_within(sorted_y.data(), n, target[i], eps, false));
    }
  };
  if (threaded) parallel_for(0, n, 2048, body);
  else body(0, 0, n);
}

void one_feature(const double* x, const double* y, int64_t n, int32_t k, const SharedTarget& target, bool threaded, int32_t* out_x,
                 int32_t* out_y, SortedMarginal x_marginal) {
  if (x_marginal.longest_tie_run > kMaxTieRun || target.marginal.longest_tie_run > kMaxTieRun) {
    kd_tree_counts(x, y, x_marginal.sorted, target.marginal.sorted, n, k, threaded, out_x, out_y);
    return;
  }
  std::vector<double> eps_by_x_rank(n), eps_by_y_rank(n);
  {
    Grid grid;
    build_grid(x, y, n, x_marginal, target, grid);
    auto search = [&](int, int64_t from, int64_t to) { grid_eps(grid, target, k, from, to, eps_by_x_rank.data(), eps_by_y_rank.data()); };
    if (threaded) parallel_for(0, n, 2048, search);
    else search(0, 0, n);
  }
  auto count = [&](int, int64_t from, int64_t to) {
    marginal_counts(x_marginal, eps_by_x_rank.data(), n, from, to, out_x);
    marginal_counts(target.marginal, eps_by_y_rank.data(), n, from, to, out_y);
  };
  if (threaded) parallel_for(0, n, 2048, count);
  else count(0, 0, n);
}

}  // namespace

void ksg_counts(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                int32_t* count_x, int32_t* count_y) {
  if (feature_count == 0) return;
  if (k < 1 || k > n - 1) {
    throw KernelError(ErrorKind::Range, out_of_range_message("k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", std::to_string(k)));
  }
  SharedTarget shared{{}, QuantileCuts{n, grid_size(n)}, {}, {}};
  if (feature_count >= hardware_threads()) {
    shared.marginal = sort_marginal(target, n);
    run_extremes(shared.marginal.sorted, shared.cuts, shared.row_low, shared.row_high);
    // Whole features per thread: the sorts and the grid build run in parallel too.
    parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t f = from; f < to; ++f) {
        one_feature(features[f], target, n, k, shared, false, count_x + f * n, count_y + f * n, sort_marginal(features[f], n));
      }
    });
    return;
  }
  // Few features: each is split across the threads; the target and the first feature sort side by side.
  SortedMarginal first;
  parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t task = from; task < to; ++task) {
      if (task == 0) shared.marginal = sort_marginal(target, n);
      else first = sort_marginal(features[0], n);
    }
  });
  run_extremes(shared.marginal.sorted, shared.cuts, shared.row_low, shared.row_high);
  for (int64_t f = 0; f < feature_count; ++f) {
    one_feature(features[f], target, n, k, shared, true, count_x + f * n, count_y + f * n, f == 0 ? std::move(first) : sort_marginal(features[f], n));
  }
}

}  // namespace milens::cpu

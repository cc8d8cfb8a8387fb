// CPU KSG counts, O(n log n) per feature (the sorts), every query close to O(k) on a grid:
//
// 1. x and y are radix-sorted once (y once for all features); each point's rank in y is kept.
// 2. The (x, y) plane is cut into G × G cells at marginal quantiles (G ≈ √(n / kPointsPerCell)): a
//    column holds a run of consecutive x ranks, a row a run of y ranks, so every column and row holds
//    about the same number of points whatever the scale or spread of the data. The points are packed
//    cell by cell (read column by column in x order, counting-sorted by row within each column), and
//    each column / row keeps the smallest and largest value it holds.
// 3. A point's k-th Chebyshev neighbour distance eps is found by scanning rings of cells around its own
//    cell, nearest first; a cell whose lower bound on the distance (from the column's and row's extreme
//    values) is ≥ the current k-th distance is skipped, and the search stops at the first ring whose
//    four sides all are. Such points cannot change the k-th smallest distance, so eps is exactly the one
//    an exhaustive search (or the kd-tree) finds, in whatever order the cells are visited. For k ≤ 5,
//    rings 0 and 1 are instead the points of the cell's 3 × 3 block, all offered to a branch-free
//    k-smallest (min / max): more candidates, but no mispredicted jumps. With AVX2 (chosen at run time;
//    MILENS_CPU_SIMD=off keeps the portable loops), 4 points of a cell share the block in the 4 lanes of
//    a register, and only the points whose ring 2 may still hold a nearer point search on, one by one.
// 4. eps is stored by the point's rank in each marginal, and the strict marginal counts then walk each
//    sorted marginal in order, 16 positions at a time: their 32 boundary searches (below and above) are
//    bisections of one power-of-two bracket, sized from the group's largest eps and the density the
//    previous group saw, checked at its far ends first and doubled until every run fits, then run round
//    by round so that their chains of dependent loads overlap (with AVX2, 4 lanes a gather); the groups
//    whose bracket would leave the array gallop outward from each point's position instead.
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
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "simd_dispatch.h"

#include "buffer.h"
#include "complete_rows.h"
#include "cpu_kernels.h"
#include "neighbours.h"
#include "parallel.h"
#include "radix_sort.h"
#include "seeded_random.h"
#include "digamma.h"

namespace milens::cpu {
namespace {

/** Average points per grid cell: small enough that ring 0/1 holds the k nearest, large enough to amortise cells. */
constexpr int64_t kPointsPerCell = 2;
/** A run of more equal values than this in x or y sends the feature to the kd-tree. */
constexpr int64_t kMaxTieRun = 32;
/** Above this many points, ksg_counts takes one feature at a time (all threads on it) to bound its memory. */
constexpr int64_t kFeaturesPerThreadMaxPoints = int64_t{1} << 20;

/** One marginal sorted: sorted values and the point at each sorted position (ties in index order). */
struct SortedMarginal {
  Buffer<double> sorted;
  Buffer<int32_t> order;  // order[p]: the point at sorted position p
  int64_t longest_tie_run = 0;
};

/** The marginal sorted by stable_argsort (radix_sort.h): O(n), no comparator calls. */
SortedMarginal sort_marginal(const double* values, int64_t n) {
  SortedMarginal result;
  result.order = stable_argsort(values, n);
  result.sorted.resize(n);
  const int32_t* order = result.order.data();
  double* sorted = result.sorted.data();
  for (int64_t p = 0; p < n; ++p) sorted[p] = values[order[p]];
  int64_t run = 1;
  result.longest_tie_run = n > 0 ? 1 : 0;
  for (int64_t p = 1; p < n; ++p) {
    run = sorted[p] == sorted[p - 1] ? run + 1 : 1;
    result.longest_tie_run = std::max(result.longest_tie_run, run);
  }
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
void run_extremes(const Buffer<double>& sorted, const QuantileCuts& cuts, std::vector<double>& low, std::vector<double>& high) {
  low.resize(cuts.parts);
  high.resize(cuts.parts);
  for (int64_t c = 0; c < cuts.parts; ++c) {
    low[c] = sorted[cuts.start(c)];
    high[c] = sorted[cuts.start(c + 1) - 1];
  }
}

/**
 * One feature's grid: points packed cell by cell (cell = column · G + row). A column holds a run of x
 * ranks, so its points fill the same run of packed positions (packed position = x rank, up to the order
 * within the column).
 */
struct Grid {
  int64_t size = 1;  // G
  Buffer<int32_t> cell_start;  // G² + 1 packed positions (n < 2^31, as the orders' int32 indices)
  Buffer<double> xs, ys;
  Buffer<int32_t> x_ranks;
  std::vector<double> column_low, column_high;
};

/** A point of the target as the grid build holds it within a column: its value, rank and grid row. */
struct TargetPoint {
  double y;
  int32_t rank;  // its position in the target's sorted order
  int32_t row;   // cuts.part_of(rank)
};

struct SharedTarget {
  SortedMarginal marginal;
  QuantileCuts cuts;
  std::vector<double> row_low, row_high;
  // ranks[i]: point i's position in the sorted target (its value and grid row follow from it). 4 bytes
  // a row, where the value, rank and row side by side took 16.
  Buffer<int32_t> ranks;
  /** Point i's value, rank and grid row. */
  TargetPoint point(int64_t i) const { return point(i, marginal.sorted[ranks[i]]); }
  /** The same, with its value `y` read from the target column itself (the sorted copy freed). */
  TargetPoint point(int64_t i, double y) const {
    const int32_t rank = ranks[i];
    return TargetPoint{y, rank, static_cast<int32_t>(cuts.part_of(rank))};
  }
};

/** Sorts the target and fills its row extremes and ranks. */
void prepare_target(const double* target, int64_t n, SharedTarget& shared) {
  shared.marginal = sort_marginal(target, n);
  run_extremes(shared.marginal.sorted, shared.cuts, shared.row_low, shared.row_high);
  shared.ranks.resize(n);
  for (int64_t p = 0; p < n; ++p) shared.ranks[shared.marginal.order[p]] = static_cast<int32_t>(p);
}

int64_t grid_size(int64_t n) {
  const int64_t size = static_cast<int64_t>(std::sqrt(static_cast<double>(n) / kPointsPerCell));
  return std::max<int64_t>(1, std::min<int64_t>(size, 46000));  // G² cells stay addressable and modest
}

/**
 * Packs the points column by column: column c is the run of x ranks [start(c), start(c + 1)), read in x
 * order (its values from the sorted marginal, the target's share in one lookup per point), then counting-
 * sorted by row within the column, where the column's slice of the arrays stays in cache. Columns are
 * independent, so they are split across threads when `threaded`. Within a cell the points come in x order
 * (the order within a cell does not change any eps: each is the k-th smallest of the same distances).
 * With `x_values` and `y_values` (the columns themselves), the values are read from them through the
 * order instead of from the sorted copies, which may then be freed: the same doubles (sorted[p] is
 * x_values[order[p]], and the target's sorted value at point i's rank is y_values[i]).
 */
void build_grid(int64_t n, const SortedMarginal& x_marginal, const SharedTarget& target, bool threaded, Grid& grid,
                const double* x_values = nullptr, const double* y_values = nullptr) {
  grid.size = target.cuts.parts;
  const int64_t size = grid.size;
  const QuantileCuts cuts{n, size};
  auto x_at = [&](int64_t p) { return x_values ? x_values[x_marginal.order[p]] : x_marginal.sorted[p]; };
  grid.column_low.resize(size);
  grid.column_high.resize(size);
  for (int64_t c = 0; c < size; ++c) {  // run_extremes of the sorted x
    grid.column_low[c] = x_at(cuts.start(c));
    grid.column_high[c] = x_at(cuts.start(c + 1) - 1);
  }
  grid.cell_start.resize(size * size + 1);
  grid.cell_start[size * size] = static_cast<int32_t>(n);
  grid.xs.resize(n);
  grid.ys.resize(n);
  grid.x_ranks.resize(n);
  auto columns = [&](int, int64_t from, int64_t to) {
    std::vector<int64_t> fill(size);
    Buffer<TargetPoint> column_points;
    for (int64_t c = from; c < to; ++c) {
      const int64_t first = cuts.start(c), last = cuts.start(c + 1);
      column_points.resize(last - first);
      std::fill(fill.begin(), fill.end(), 0);
      for (int64_t p = first; p < last; ++p) {
        const int32_t i = x_marginal.order[p];
        const TargetPoint point = y_values ? target.point(i, y_values[i]) : target.point(i);
        column_points[p - first] = point;
        ++fill[point.row];
      }
      int64_t at = first;
      for (int64_t r = 0; r < size; ++r) {
        const int64_t count = fill[r];
        grid.cell_start[c * size + r] = static_cast<int32_t>(at);
        fill[r] = at;
        at += count;
      }
      for (int64_t p = first; p < last; ++p) {
        const TargetPoint point = column_points[p - first];
        const int64_t q = fill[point.row]++;
        grid.xs[q] = x_at(p);
        grid.ys[q] = point.y;
        grid.x_ranks[q] = static_cast<int32_t>(p);
      }
    }
  };
  if (threaded) parallel_for(0, size, 1, columns);
  else columns(0, 0, size);
}

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
 * The search for the k-th nearest other point of the point packed at position p (Chebyshev metric): the
 * point, its cell, and the bounds that let whole cells and rings be skipped.
 */
struct PointSearch {
  const Grid& grid;
  const SharedTarget& target;
  int64_t p, column, row;
  double qx, qy;

  PointSearch(const Grid& grid, const SharedTarget& target, int64_t p, int64_t column, int64_t row)
      : grid(grid), target(target), p(p), column(column), row(row), qx(grid.xs[p]), qy(grid.ys[p]) {}

  /** Lower bound on |x_j − qx| for every point j of column c (0 for the point's own column); likewise rows. */
  double column_bound(int64_t c) const { return c < column ? qx - grid.column_high[c] : c > column ? grid.column_low[c] - qx : 0.0; }
  double row_bound(int64_t r) const { return r < row ? qy - target.row_high[r] : r > row ? target.row_low[r] - qy : 0.0; }

  /** Offers every point of cell (c, r) but the point itself, unless the cell's bound rules them all out. */
  template <class Nearest>
  void scan_cell(int64_t c, int64_t r, Nearest& nearest) const {
    const double bound = std::max(column_bound(c), row_bound(r));
    if (bound >= nearest.kth()) return;
    const int64_t cell = c * grid.size + r;
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
  }

  /** Rings 0 and 1 cell by cell, each behind its bound. */
  template <class Nearest>
  void scan_near_cells(Nearest& nearest) const {
    const int64_t size = grid.size;
    scan_cell(column, row, nearest);
    // Ring 1 edge neighbours before its corners: a corner's bound is the larger of two edges' bounds, so
    // once the k-th distance has shrunk over the edges, most corners are skipped.
    if (column > 0) scan_cell(column - 1, row, nearest);
    if (column + 1 < size) scan_cell(column + 1, row, nearest);
    if (row > 0) scan_cell(column, row - 1, nearest);
    if (row + 1 < size) scan_cell(column, row + 1, nearest);
    for (int64_t dc = -1; dc <= 1; dc += 2) {
      for (int64_t dr = -1; dr <= 1; dr += 2) {
        if (column + dc >= 0 && column + dc < size && row + dr >= 0 && row + dr < size) scan_cell(column + dc, row + dr, nearest);
      }
    }
  }

  /** Rings 0 and 1 from the cell's gathered block, every candidate offered without a branch. */
  template <class Nearest>
  void offer_block(const BlockCandidates& block, Nearest& nearest) const {
    const double infinity = std::numeric_limits<double>::infinity();
    const int64_t count = static_cast<int64_t>(block.xs.size());
    for (int64_t j = 0; j < count; ++j) {
      const double ax = std::fabs(block.xs[j] - qx), ay = std::fabs(block.ys[j] - qy);
      const double distance = ax > ay ? ax : ay;
      nearest.offer(block.positions[j] == p ? infinity : distance);  // +∞ is never kept: the point itself is left out
    }
  }

  /**
   * Rings 2, 3, … once rings 0 and 1 are in `nearest`; returns the k-th distance. Stops at the first ring
   * whose four sides are all bounded away (≥ the k-th distance): no point there can change it.
   */
  template <class Nearest>
  double scan_outer_rings(Nearest& nearest) const {
    const double infinity = std::numeric_limits<double>::infinity();
    const int64_t size = grid.size;
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
        for (int64_t c = column_from; c <= column_to; ++c) scan_cell(c, row - ring, nearest);
      if (has_above && above < nearest.kth())
        for (int64_t c = column_from; c <= column_to; ++c) scan_cell(c, row + ring, nearest);
      if (has_left && left < nearest.kth())
        for (int64_t r = row_from; r <= row_to; ++r) scan_cell(column - ring, r, nearest);
      if (has_right && right < nearest.kth())
        for (int64_t r = row_from; r <= row_to; ++r) scan_cell(column + ring, r, nearest);
    }
    return nearest.kth();
  }
};

/** Positions map to cells monotonically: the cell holding position `from`. */
int64_t cell_of_position(const Grid& grid, int64_t from) {
  return std::upper_bound(grid.cell_start.begin(), grid.cell_start.end(), from) - grid.cell_start.begin() - 1;
}

/**
 * eps of the points packed at positions [from, to) of the grid, stored by each point's x rank (one_feature
 * then copies it by y rank): the counting passes walk the sorted marginals in order (see marginal_counts). A branch-free
 * Nearest takes rings 0 and 1 from the cell's block; the others scan them cell by cell.
 */
template <class Nearest>
void grid_eps_with(const Grid& grid, const SharedTarget& target, Nearest& nearest, int64_t from, int64_t to, double* eps_by_x_rank) {
  const int64_t size = grid.size;
  int64_t cell = cell_of_position(grid, from);
  BlockCandidates block;
  for (int64_t p = from; p < to; ++p) {
    while (grid.cell_start[cell + 1] <= p) ++cell;
    const PointSearch search(grid, target, p, cell / size, cell % size);
    nearest.reset();
    if (Nearest::kBranchFree) {
      if (block.cell != cell) {
        block.gather(grid, cell / size, cell % size);
        block.cell = cell;
      }
      search.offer_block(block, nearest);
    } else {
      search.scan_near_cells(nearest);
    }
    const double eps = search.scan_outer_rings(nearest);
    eps_by_x_rank[grid.x_ranks[p]] = eps;
  }
}

#ifdef MILENS_X86_DISPATCH
#define MILENS_AVX2 __attribute__((target("avx2")))

/** Queries searched together: the 4 double lanes of an AVX2 register. */
constexpr int kQueryLanes = 4;

/** A cell's 3 × 3 block where it lies in the grid: one run of packed positions per column (rows are adjacent cells). */
struct BlockRuns {
  int64_t first[3], last[3];
  int count = 0;

  BlockRuns(const Grid& grid, int64_t column, int64_t row) {
    const int64_t size = grid.size;
    for (int64_t c = std::max<int64_t>(0, column - 1); c <= std::min<int64_t>(size - 1, column + 1); ++c, ++count) {
      first[count] = grid.cell_start[c * size + std::max<int64_t>(0, row - 1)];
      last[count] = grid.cell_start[c * size + std::min<int64_t>(size - 1, row + 1) + 1];
    }
  }
};

/**
 * FixedKSmallest for kQueryLanes queries at once, one per lane, over rings 0 and 1 (the block, read in
 * place): every candidate is broadcast and merged into each lane's sorted k by the same min / max steps.
 * The lanes' arithmetic is the scalar one (a − b rounded once, |·| clears the sign bit, max and min of two
 * non-NaN doubles), so each lane keeps exactly the k distances the scalar FixedKSmallest keeps for that
 * query. A candidate at the query's own position is replaced by +∞, which is never kept (the scalar rule).
 */
template <int K>
MILENS_AVX2 void block_k_smallest_avx2(const Grid& grid, const BlockRuns& block, __m256d x, __m256d y, __m256i positions, __m256d* kept) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d infinity = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  for (int i = 0; i < K; ++i) kept[i] = infinity;
  for (int run = 0; run < block.count; ++run) {
    for (int64_t q = block.first[run]; q < block.last[run]; ++q) {
      const __m256d ax = _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_set1_pd(grid.xs[q]), x));
      const __m256d ay = _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_set1_pd(grid.ys[q]), y));
      const __m256d itself = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_set1_epi64x(q), positions));
      const __m256d distance = _mm256_blendv_pd(_mm256_max_pd(ax, ay), infinity, itself);
      for (int i = K - 1; i > 0; --i) kept[i] = _mm256_min_pd(kept[i], _mm256_max_pd(kept[i - 1], distance));
      kept[0] = _mm256_min_pd(kept[0], distance);
    }
  }
}

/**
 * The lanes whose search must go on past ring 1, as a bit mask: those for which the first test of
 * PointSearch::scan_outer_rings, !(min(left, right, below, above) ≥ kth) over ring 2's sides, holds. The
 * bounds are the same differences, so the lanes left out are exactly those for which it would stop at once.
 */
MILENS_AVX2 int lanes_past_ring_one(const Grid& grid, const SharedTarget& target, int64_t column, int64_t row, __m256d x, __m256d y,
                                     __m256d kth) {
  const int64_t size = grid.size;
  const __m256d infinity = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  const __m256d left = column - 2 >= 0 ? _mm256_sub_pd(x, _mm256_set1_pd(grid.column_high[column - 2])) : infinity;
  const __m256d right = column + 2 < size ? _mm256_sub_pd(_mm256_set1_pd(grid.column_low[column + 2]), x) : infinity;
  const __m256d below = row - 2 >= 0 ? _mm256_sub_pd(y, _mm256_set1_pd(target.row_high[row - 2])) : infinity;
  const __m256d above = row + 2 < size ? _mm256_sub_pd(_mm256_set1_pd(target.row_low[row + 2]), y) : infinity;
  const __m256d bound = _mm256_min_pd(_mm256_min_pd(left, right), _mm256_min_pd(below, above));
  return _mm256_movemask_pd(_mm256_cmp_pd(bound, kth, _CMP_NGE_UQ));
}

/**
 * grid_eps_with for FixedKSmallest<K>, rings 0 and 1 of up to kQueryLanes points of a cell at once (they
 * share the cell's block); a point whose ring 2 may still hold a nearer point then continues alone with
 * its own k distances, which are those the scalar path would hold there, so eps is the same.
 */
template <int K>
MILENS_AVX2 void grid_eps_avx2(const Grid& grid, const SharedTarget& target, int64_t from, int64_t to, double* eps_by_x_rank) {
  const int64_t size = grid.size;
  FixedKSmallest<K> nearest;
  __m256d kept[K];
  alignas(32) double kept_lanes[K][kQueryLanes];
  for (int64_t cell = cell_of_position(grid, from); cell < size * size && grid.cell_start[cell] < to; ++cell) {
    const int64_t first = std::max<int64_t>(grid.cell_start[cell], from), last = std::min<int64_t>(grid.cell_start[cell + 1], to);
    if (first >= last) continue;
    const int64_t column = cell / size, row = cell % size;
    const BlockRuns block(grid, column, row);
    for (int64_t p = first; p < last; p += kQueryLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kQueryLanes, last - p));
      // Lane l holds position p + l; spare lanes (l ≥ lanes) load nothing (0) and their results are dropped.
      const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
      const __m256i used = _mm256_cmpgt_epi64(_mm256_set1_epi64x(lanes), lane);
      const __m256d qx = _mm256_maskload_pd(grid.xs.data() + p, used), qy = _mm256_maskload_pd(grid.ys.data() + p, used);
      block_k_smallest_avx2<K>(grid, block, qx, qy, _mm256_add_epi64(_mm256_set1_epi64x(p), lane), kept);
      const int unfinished = lanes_past_ring_one(grid, target, column, row, qx, qy, kept[K - 1]);
      for (int i = 0; i < K; ++i) _mm256_store_pd(kept_lanes[i], kept[i]);
      for (int l = 0; l < lanes; ++l) {
        double eps = kept_lanes[K - 1][l];
        if (unfinished & (1 << l)) {
          for (int i = 0; i < K; ++i) nearest.best[i] = kept_lanes[i][l];
          eps = PointSearch(grid, target, p + l, column, row).scan_outer_rings(nearest);
        }
        eps_by_x_rank[grid.x_ranks[p + l]] = eps;
      }
    }
  }
}

#endif

void grid_eps(const Grid& grid, const SharedTarget& target, int32_t k, bool avx2, int64_t from, int64_t to, double* eps_by_x_rank) {
#ifdef MILENS_X86_DISPATCH
  if (avx2) {
    switch (k) {
      case 1: return grid_eps_avx2<1>(grid, target, from, to, eps_by_x_rank);
      case 2: return grid_eps_avx2<2>(grid, target, from, to, eps_by_x_rank);
      case 3: return grid_eps_avx2<3>(grid, target, from, to, eps_by_x_rank);
      case 4: return grid_eps_avx2<4>(grid, target, from, to, eps_by_x_rank);
      case 5: return grid_eps_avx2<5>(grid, target, from, to, eps_by_x_rank);
      default: break;
    }
  }
#else
  (void)avx2;
#endif
  auto run = [&](auto nearest) { grid_eps_with(grid, target, nearest, from, to, eps_by_x_rank); };
  switch (k) {  // the usual small k without branches; larger k keep the insertion with its early exit
    case 1: return run(FixedKSmallest<1>{});
    case 2: return run(FixedKSmallest<2>{});
    case 3: return run(FixedKSmallest<3>{});
    case 4: return run(FixedKSmallest<4>{});
    case 5: return run(FixedKSmallest<5>{});
    default: return run(KSmallest(k));
  }
}

/** Consecutive sorted positions whose boundary searches run side by side (a multiple of 4, the AVX2 lanes). */
constexpr int kSearchLanes = 16;
/** How many groups ahead LockstepCounts prefetches the far ends of the brackets. */
constexpr int64_t kPrefetchGroups = 4;

/** Asks for the cache line holding `address` ahead of a read (a hint: no effect on results). */
inline void prefetch(const double* address) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}

/**
 * The lock-step bisections of one group (see LockstepCounts): for each lane l < kSearchLanes, the run of
 * positions around at + l within radius[l], given that [at + l − width, at + l + width] brackets it (both far
 * ends outside, width a power of two); counts[l] is its length less the point itself (0 for radius ≤ 0).
 */
void bisect_counts(const double* sorted, int64_t at, int64_t width, const double* radius, int64_t* counts) {
  // At the start of each round, below: low outside, low + 2 · half inside; above: low inside, low + 2 · half outside.
  int64_t low_below[kSearchLanes], low_above[kSearchLanes];
  for (int l = 0; l < kSearchLanes; ++l) {
    low_below[l] = at + l - width;
    low_above[l] = at + l;
  }
  for (int64_t half = width >> 1; half > 0; half >>= 1) {
    for (int l = 0; l < kSearchLanes; ++l) {
      const double value = sorted[at + l];
      // Masks rather than ?: so that the compiler emits no jump (each outcome is a coin flip).
      low_below[l] += half & -static_cast<int64_t>(!(value - sorted[low_below[l] + half] < radius[l]));
      low_above[l] += half & -static_cast<int64_t>(sorted[low_above[l] + half] - value < radius[l]);
    }
  }
  for (int l = 0; l < kSearchLanes; ++l) counts[l] = radius[l] > 0 ? low_above[l] - low_below[l] - 1 : 0;
}

#ifdef MILENS_X86_DISPATCH
/**
 * bisect_counts with AVX2 gathers, 4 lanes a register (register h: positions at + 4h … at + 4h + 3): each
 * round makes the same subtraction and the same comparison per lane as the scalar loop (_CMP_NLT_UQ is
 * !(a < b), NaN included; _CMP_LT_OQ is a < b), so every bisection ends on the same position. A gather's
 * latency is long, so the group has 16 lanes: 8 independent chains per round keep the loads overlapping.
 */
MILENS_AVX2 void bisect_counts_avx2(const double* sorted, int64_t at, int64_t width, const double* radius, int64_t* counts) {
  constexpr int kRegisters = kSearchLanes / 4;
  __m256d value[kRegisters], bound[kRegisters];
  __m256i low_below[kRegisters], low_above[kRegisters];
  for (int h = 0; h < kRegisters; ++h) {
    value[h] = _mm256_loadu_pd(sorted + at + 4 * h);
    bound[h] = _mm256_loadu_pd(radius + 4 * h);
    low_above[h] = _mm256_add_epi64(_mm256_set1_epi64x(at + 4 * h), _mm256_setr_epi64x(0, 1, 2, 3));
    low_below[h] = _mm256_sub_epi64(low_above[h], _mm256_set1_epi64x(width));
  }
  for (int64_t half = width >> 1; half > 0; half >>= 1) {
    const __m256i step = _mm256_set1_epi64x(half);
    for (int h = 0; h < kRegisters; ++h) {
      const __m256d below = _mm256_i64gather_pd(sorted, _mm256_add_epi64(low_below[h], step), 8);
      const __m256d above = _mm256_i64gather_pd(sorted, _mm256_add_epi64(low_above[h], step), 8);
      const __m256d outside_below = _mm256_cmp_pd(_mm256_sub_pd(value[h], below), bound[h], _CMP_NLT_UQ);
      const __m256d inside_above = _mm256_cmp_pd(_mm256_sub_pd(above, value[h]), bound[h], _CMP_LT_OQ);
      low_below[h] = _mm256_add_epi64(low_below[h], _mm256_and_si256(step, _mm256_castpd_si256(outside_below)));
      low_above[h] = _mm256_add_epi64(low_above[h], _mm256_and_si256(step, _mm256_castpd_si256(inside_above)));
    }
  }
  for (int h = 0; h < kRegisters; ++h) {
    const __m256i run = _mm256_sub_epi64(_mm256_sub_epi64(low_above[h], low_below[h]), _mm256_set1_epi64x(1));
    const __m256d positive = _mm256_cmp_pd(bound[h], _mm256_setzero_pd(), _CMP_GT_OQ);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(counts + 4 * h), _mm256_and_si256(run, _mm256_castpd_si256(positive)));
  }
}
#endif

/**
 * Strict marginal counts for kSearchLanes consecutive sorted positions at a time. One bisection is a chain
 * of dependent loads; running the 2 · kSearchLanes searches of a group round by round lets the core
 * overlap the chains, and giving them all the same power-of-two bracket makes each round a shared step
 * `half` and, per search, one load, one comparison and one masked add.
 *
 * For the point at position `at` the bracket is [at − width, at] below and [at, at + width] above. Its far
 * ends are checked first with the real predicates (value − sorted[j] < radius below, sorted[j] − value <
 * radius above, those of count_strictly_within_from) and must all be outside; the width doubles until they
 * are. The predicates are true at `at` and monotone outward, so each bisection then ends on the same
 * boundary as the galloping search. A group whose bracket would leave the array (near either end, or a
 * radius reaching that far) and the last, partial group take count_strictly_within_from itself.
 *
 * The first width tried is the group's largest radius times the density (positions per unit of radius)
 * the previous group saw: eps is heavy-tailed, so a bracket sized by the previous group's runs alone is
 * often too narrow for one point of the next group. Any first width gives the same counts; a good one
 * only saves doublings and rounds.
 */
class LockstepCounts {
 public:
  LockstepCounts(const double* sorted, int64_t n, bool avx2) : sorted_(sorted), n_(n), avx2_(avx2) {}

  /** counts[l] = #{j ≠ at + l : |sorted[j] − sorted[at + l]| < radius[l]}, l < lanes. */
  void count(int64_t at, int lanes, const double* radius, int64_t* counts) {
    if (lanes < kSearchLanes || !fit_bracket(at, radius)) {
      for (int l = 0; l < lanes; ++l) counts[l] = count_strictly_within_from(sorted_, n_, at + l, radius[l]);
      learn_density(radius, counts, lanes);
      return;
    }
    // The far ends of a later group's brackets: the upper one is the first read of its cache line (the
    // sorted values ahead of the walk), a miss that the bisection below would otherwise wait for.
    prefetch(sorted_ + std::min(n_ - 1, at + kPrefetchGroups * kSearchLanes + width_));
    prefetch(sorted_ + std::max<int64_t>(0, at + kPrefetchGroups * kSearchLanes - width_));
#ifdef MILENS_X86_DISPATCH
    if (avx2_) {
      bisect_counts_avx2(sorted_, at, width_, radius, counts);
      learn_density(radius, counts, kSearchLanes);
      return;
    }
#endif
    bisect_counts(sorted_, at, width_, radius, counts);
    learn_density(radius, counts, kSearchLanes);
  }

 private:
  static int64_t bit_ceil(int64_t value) {
    int64_t power = 1;
    while (power < value) power <<= 1;
    return power;
  }

  /** Whether every lane's run ends inside [at + l − width_, at + l + width_] (both far ends outside). */
  bool bracketed(int64_t at, const double* radius) const {
    bool all = true;
    for (int l = 0; l < kSearchLanes; ++l) {
      const double value = sorted_[at + l];
      all &= !(value - sorted_[at + l - width_] < radius[l]) & !(sorted_[at + l + width_] - value < radius[l]);
    }
    return all;
  }

  /** Sets width_ to a bracket that holds every lane's run; false when it would reach past the array. */
  bool fit_bracket(int64_t at, const double* radius) {
    const double widest = *std::max_element(radius, radius + kSearchLanes);
    const double predicted = 2 + density_ * widest * 1.25;  // the point itself, a little slack
    width_ = predicted < static_cast<double>(n_) ? bit_ceil(static_cast<int64_t>(predicted)) : bit_ceil(n_);
    for (;; width_ <<= 1) {
      if (at - width_ < 0 || at + kSearchLanes - 1 + width_ >= n_) return false;
      if (bracketed(at, radius)) return true;
    }
  }

  /** Positions per unit of radius on one side, from the counts just found (each side holds about half a run). */
  void learn_density(const double* radius, const int64_t* counts, int lanes) {
    double radii = 0, positions = 0;
    for (int l = 0; l < lanes; ++l) {
      radii += radius[l];
      positions += counts[l];
    }
    if (radii > 0 && radii < std::numeric_limits<double>::infinity()) density_ = 0.5 * positions / radii;
  }

  const double* sorted_;
  int64_t n_;
  bool avx2_;
  int64_t width_ = 1;  // a power of two
  double density_ = 0;
};

/**
 * Strict counts for sorted positions [from, to) of one marginal. Walking the positions in order keeps
 * the searches of consecutive points next to each other in memory, so the whole pass streams through the
 * sorted values instead of jumping to a random place of a multi-megabyte array for every point.
 */
void marginal_counts(const SortedMarginal& marginal, const double* eps_by_rank, int64_t n, bool avx2, int64_t from, int64_t to, int32_t* out) {
  LockstepCounts searches(marginal.sorted.data(), n, avx2);
  int64_t counts[kSearchLanes];
  for (int64_t p = from; p < to; p += kSearchLanes) {
    const int lanes = static_cast<int>(std::min<int64_t>(kSearchLanes, to - p));
    searches.count(p, lanes, eps_by_rank + p, counts);
    for (int l = 0; l < lanes; ++l) out[marginal.order[p + l]] = static_cast<int32_t>(counts[l]);
  }
}

/** The previous kernel, kept for tie-heavy columns: kd-tree eps, binary-search counts. */
void kd_tree_counts(const double* x, const double* target, const Buffer<double>& sorted_x, const Buffer<double>& sorted_y,
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

/** sorted[p] = values[order[p]] again, after one_feature_tall freed them (the same values sort_marginal gathered). */
void refill_sorted(const double* values, SortedMarginal& marginal, int64_t n, bool threaded) {
  marginal.sorted.resize(n);
  auto gather = [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) marginal.sorted[p] = values[marginal.order[p]];
  };
  if (threaded) parallel_for(0, n, 1 << 16, gather);
  else gather(0, 0, n);
}

/**
 * The counts of one feature of a tall table (the target and the marginal this call's own, one feature at
 * a time, every thread on it), holding as little per row as the steps allow. The sorted copies of x and
 * y and the target's order are freed before the grid is built (it reads the columns through the orders:
 * the same values), and x's order and the target's ranks once it is built (the search reads only the
 * grid and the rows' extremes), so the search holds the grid (22 bytes a row with its cell starts) and
 * the eps by x rank (8). Then x's order is sorted again (the same stable sort, so the same order), x
 * counted (its sorted values gathered again) and each point's eps moved from its x rank to its index,
 * x's share freed; then the target's order sorted again, the eps by y rank gathered, y counted. Two more
 * sorts a feature, for ~16 bytes a row less at the peak (~38 bytes a row before, with the two count
 * arrays' 8, at 11 M points; ~32 now). The target's order and ranks are left as prepare_target made them
 * (its sorted values freed, as ksg_counts leaves them), for the next feature. Every count is the one the
 * single-pass steps give.
 */
void one_feature_tall(const double* x, const double* y, int64_t n, int32_t k, SharedTarget& target, bool avx2, int32_t* out_x, int32_t* out_y,
                      SortedMarginal& x_marginal) {
  Buffer<double>().swap(x_marginal.sorted);
  Buffer<int32_t>().swap(target.marginal.order);
  Buffer<double> eps_by_x_rank;  // every x rank gets its point's eps
  {
    Grid grid;
    build_grid(n, x_marginal, target, true, grid, x, y);
    Buffer<int32_t>().swap(x_marginal.order);
    Buffer<int32_t>().swap(target.ranks);
    eps_by_x_rank.resize(n);
    parallel_for(0, n, 2048, [&](int, int64_t from, int64_t to) { grid_eps(grid, target, k, avx2, from, to, eps_by_x_rank.data()); });
  }
  // x first: its order sorted again, its sorted values gathered again, its counts; then each point's eps
  // by index, and x's share freed.
  x_marginal.order = stable_argsort(x, n);  // as sort_marginal sorted it
  refill_sorted(x, x_marginal, n, true);
  parallel_for(0, n, 2048, [&](int, int64_t from, int64_t to) { marginal_counts(x_marginal, eps_by_x_rank.data(), n, avx2, from, to, out_x); });
  Buffer<double>().swap(x_marginal.sorted);
  Buffer<double> eps_by_index(n);
  parallel_for(0, n, 1 << 16, [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) eps_by_index[x_marginal.order[p]] = eps_by_x_rank[p];
  });
  Buffer<double>().swap(eps_by_x_rank);
  Buffer<int32_t>().swap(x_marginal.order);
  // Then y: the target's order sorted again (as prepare_target sorted it), the eps by y rank, its counts.
  target.marginal.order = stable_argsort(y, n);
  Buffer<double> eps_by_y_rank(n);
  parallel_for(0, n, 1 << 16, [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) eps_by_y_rank[p] = eps_by_index[target.marginal.order[p]];
  });
  Buffer<double>().swap(eps_by_index);
  refill_sorted(y, target.marginal, n, true);
  parallel_for(0, n, 2048, [&](int, int64_t from, int64_t to) { marginal_counts(target.marginal, eps_by_y_rank.data(), n, avx2, from, to, out_y); });
  Buffer<double>().swap(eps_by_y_rank);
  Buffer<double>().swap(target.marginal.sorted);  // as ksg_counts left it (one_feature gathers it again where needed)
  target.ranks.resize(n);
  parallel_for(0, n, 1 << 16, [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) target.ranks[target.marginal.order[p]] = static_cast<int32_t>(p);
  });
}

/**
 * The counts of one feature. With `tall` (a tall table's features, one at a time, the target and the
 * marginal this call's own), one_feature_tall's steps, which hold less at once; the same counts.
 */
void one_feature(const double* x, const double* y, int64_t n, int32_t k, SharedTarget& target, bool avx2, bool threaded, int32_t* out_x,
                 int32_t* out_y, SortedMarginal& x_marginal, bool tall = false) {
  if (x_marginal.longest_tie_run > kMaxTieRun || target.marginal.longest_tie_run > kMaxTieRun) {
    if (target.marginal.sorted.empty()) refill_sorted(y, target.marginal, n, threaded);  // freed on a tall table
    kd_tree_counts(x, y, x_marginal.sorted, target.marginal.sorted, n, k, threaded, out_x, out_y);
    if (tall) Buffer<double>().swap(target.marginal.sorted);
    return;
  }
  if (tall) return one_feature_tall(x, y, n, k, target, avx2, out_x, out_y, x_marginal);
  Buffer<double> eps_by_x_rank(n);  // every x rank gets its point's eps
  {
    Grid grid;
    build_grid(n, x_marginal, target, threaded, grid);
    auto search = [&](int, int64_t from, int64_t to) { grid_eps(grid, target, k, avx2, from, to, eps_by_x_rank.data()); };
    if (threaded) parallel_for(0, n, 2048, search);
    else search(0, 0, n);
  }
  // By y rank too, once the grid is freed (so the two never take room together): the point at x rank p
  // has y rank ranks[order[p]].
  Buffer<double> eps_by_y_rank(n);
  auto by_y_rank = [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) eps_by_y_rank[target.ranks[x_marginal.order[p]]] = eps_by_x_rank[p];
  };
  if (threaded) parallel_for(0, n, 2048, by_y_rank);
  else by_y_rank(0, 0, n);
  auto count = [&](int, int64_t from, int64_t to) {
    marginal_counts(x_marginal, eps_by_x_rank.data(), n, avx2, from, to, out_x);
    marginal_counts(target.marginal, eps_by_y_rank.data(), n, avx2, from, to, out_y);
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
  const bool avx2 = use_avx2();
  SharedTarget shared{{}, QuantileCuts{n, grid_size(n)}, {}, {}, {}};
  // Whole features per thread hold one feature's sort, grid and eps arrays (~64 bytes a point) per
  // thread at once; past kFeaturesPerThreadMaxPoints the features go one at a time, each split across
  // the threads (the same counts either way), so a tall table's peak is that of one feature.
  if (feature_count >= hardware_threads() && n <= kFeaturesPerThreadMaxPoints) {
    prepare_target(target, n, shared);
    // Whole features per thread, handed out one at a time (features differ in cost: a dependent one
    // has more crowded cells), so that no thread waits on another's last feature; the sorts and the
    // grid build run in parallel too.
    parallel_tasks(feature_count, [&](int, int64_t f) {
      SortedMarginal marginal = sort_marginal(features[f], n);
      one_feature(features[f], target, n, k, shared, avx2, false, count_x + f * n, count_y + f * n, marginal);
    });
    return;
  }
  // Few features: each is split across the threads; the target and the first feature sort side by side,
  // except on a tall table, where one after the other holds one sort's scratch (20 bytes a row), not two.
  const bool tall = n > kFeaturesPerThreadMaxPoints;
  SortedMarginal first;
  if (tall) {
    prepare_target(target, n, shared);
    // Its sorted values are gathered again where they are read (one_feature), so that the features' sorts
    // do not take room beside them: 8 bytes a row less at the first sort, the run's peak before this.
    Buffer<double>().swap(shared.marginal.sorted);
    first = sort_marginal(features[0], n);
  } else {
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) prepare_target(target, n, shared);
        else first = sort_marginal(features[0], n);
      }
    });
  }
  for (int64_t f = 0; f < feature_count; ++f) {
    SortedMarginal marginal = f == 0 ? std::move(first) : sort_marginal(features[f], n);
    one_feature(features[f], target, n, k, shared, avx2, true, count_x + f * n, count_y + f * n, marginal, tall);
  }
}

// ---------------------------------------------------------------------------------------------------
// Pairs with missing cells (ksg_counts_on_complete_rows): each feature is scored on the rows where it and
// the target are both finite, as ksg_counts scores the pair picked out first (pickCompleteRows), count for
// count. The target's finite rows are sorted once for all the features (complete_rows.h), so only the
// feature is sorted per pair, and the features of one call run side by side like ksg_counts' own.

namespace {

/**
 * One feature's counts on its complete rows: the pair picked in row order, the target's marginal taken
 * from its sorted finite rows, then one_feature as ksg_counts runs it. Returns the rows kept; the counts
 * are written for the first `rows` entries (none when rows ≤ k: the estimate is 0 there).
 */
int64_t complete_pair_counts(const double* target, const double* feature, int64_t n, const Buffer<int32_t>* target_rows_in_order,
                             int32_t k, bool avx2, bool threaded, int32_t* out_x, int32_t* out_y) {
  CompletePair pair = pick_complete_pair(target, feature, n, target_rows_in_order);
  const int64_t rows = pair.rows;
  if (rows <= k) return rows;
  SharedTarget shared{{}, QuantileCuts{rows, grid_size(rows)}, {}, {}, {}};
  auto target_marginal = [&] {
    SortedMarginal& marginal = shared.marginal;
    marginal.order = pair.y_order.empty() ? stable_argsort(pair.y.data(), rows) : std::move(pair.y_order);
    marginal.sorted.resize(rows);
    for (int64_t p = 0; p < rows; ++p) marginal.sorted[p] = pair.y[marginal.order[p]];
    int64_t run = 1;
    marginal.longest_tie_run = 1;
    for (int64_t p = 1; p < rows; ++p) {
      run = marginal.sorted[p] == marginal.sorted[p - 1] ? run + 1 : 1;
      marginal.longest_tie_run = std::max(marginal.longest_tie_run, run);
    }
    run_extremes(marginal.sorted, shared.cuts, shared.row_low, shared.row_high);
    shared.ranks.resize(rows);
    for (int64_t p = 0; p < rows; ++p) shared.ranks[marginal.order[p]] = static_cast<int32_t>(p);
  };
  SortedMarginal x_marginal;
  // Threaded (one pair at a time): the feature sorts while the target's marginal is built, as ksg_counts
  // sorts its target and first feature side by side.
  parallel_for(0, threaded ? 2 : 1, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t task = from; task < to; ++task) {
      if (task == 0) target_marginal();
      else x_marginal = sort_marginal(pair.x.data(), rows);
    }
  });
  if (!threaded) x_marginal = sort_marginal(pair.x.data(), rows);
  one_feature(pair.x.data(), pair.y.data(), rows, k, shared, avx2, threaded, out_x, out_y, x_marginal, rows > kFeaturesPerThreadMaxPoints);
  return rows;
}

}  // namespace

void ksg_counts_on_complete_rows(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                                 int64_t* rows_kept, int32_t* count_x, int32_t* count_y) {
  if (feature_count == 0) return;
  if (k < 1) throw KernelError(ErrorKind::Range, out_of_range_message("k", "an integer of at least 1", std::to_string(k)));
  const bool avx2 = use_avx2();
  // A single pair sorts its own target rows, beside its feature (see complete_pair_counts).
  const Buffer<int32_t> target_rows_in_order = feature_count > 1 ? finite_rows_in_order(target, n) : Buffer<int32_t>();
  const Buffer<int32_t>* shared_order = feature_count > 1 ? &target_rows_in_order : nullptr;
  auto pair = [&](int64_t f, bool threaded) {
    rows_kept[f] = complete_pair_counts(target, features[f], n, shared_order, k, avx2, threaded, count_x + f * n, count_y + f * n);
  };
  // As ksg_counts: whole features per thread (handed out one at a time) on a table of modest height,
  // else one at a time, threaded.
  if (feature_count >= hardware_threads() && n <= kFeaturesPerThreadMaxPoints) {
    parallel_tasks(feature_count, [&](int, int64_t f) { pair(f, false); });
    return;
  }
  for (int64_t f = 0; f < feature_count; ++f) pair(f, true);
}

// ---------------------------------------------------------------------------------------------------
// Permutation tests (ksg_permutation_means): the KSG estimate of every feature against shuffled copies
// of the target. A shuffle changes which row holds which target value, not the values: the target's
// sorted values, quantile cuts and row extremes are the unshuffled ones, and its order is the old order
// mapped through the inverse shuffle, so neither the target nor any feature is sorted again. What is
// left per (shuffle, feature) is the grid, the eps searches and the marginal counts.

namespace {

/** Bytes of scratch the permutation kernel holds (every call in flight): a test helper's counter. */
std::atomic<int64_t> permutation_scratch_bytes{0};

/** Adds an estimate of a call's scratch to the counter for as long as the call runs (whatever way it ends). */
class ScratchAccount {
 public:
  explicit ScratchAccount(int64_t bytes) : bytes_(bytes) { permutation_scratch_bytes += bytes_; }
  ~ScratchAccount() { permutation_scratch_bytes -= bytes_; }
  ScratchAccount(const ScratchAccount&) = delete;
  ScratchAccount& operator=(const ScratchAccount&) = delete;

 private:
  int64_t bytes_;
};

/** `base` (the unshuffled target) seen through a shuffle: shuffled[i] = target[source[i]]. */
void shuffled_target(const SharedTarget& base, const int32_t* source, int64_t n, Buffer<int32_t>& inverse, SharedTarget& out) {
  inverse.resize(n);
  for (int64_t i = 0; i < n; ++i) inverse[source[i]] = static_cast<int32_t>(i);
  out.cuts = base.cuts;
  out.row_low = base.row_low;
  out.row_high = base.row_high;
  out.marginal.sorted.resize(n);
  std::memcpy(out.marginal.sorted.data(), base.marginal.sorted.data(), n * sizeof(double));
  out.marginal.longest_tie_run = base.marginal.longest_tie_run;
  out.marginal.order.resize(n);
  out.ranks.resize(n);
  for (int64_t p = 0; p < n; ++p) {
    const int32_t row = inverse[base.marginal.order[p]];
    out.marginal.order[p] = row;
    out.ranks[row] = static_cast<int32_t>(p);
  }
}

}  // namespace

bool ksg_permutation_means(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                           const uint32_t* seeds, int64_t permutation_count, double* means, const volatile uint8_t* cancel) {
  const int64_t tasks = permutation_count * feature_count;
  if (tasks == 0) return true;
  if (k < 1 || k > n - 1) {
    throw KernelError(ErrorKind::Range, out_of_range_message("k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", std::to_string(k)));
  }
  auto cancelled = [&] { return cancel != nullptr && *cancel != 0; };
  // Per shuffle: its values, sorted copy, order and ranks (24 bytes a row); per feature its marginal (12).
  const ScratchAccount account(n * (24 * permutation_count + 12 * feature_count + 24));
  const bool avx2 = use_avx2();
  SharedTarget base{{}, QuantileCuts{n, grid_size(n)}, {}, {}, {}};
  std::vector<SortedMarginal> marginals(feature_count);
  // Every sort of the whole test, once: the target and each feature, side by side.
  parallel_tasks(feature_count + 1, [&](int, int64_t task) {
    if (task == feature_count) prepare_target(target, n, base);
    else marginals[task] = sort_marginal(features[task], n);
  });
  // The shuffled targets: the shuffles themselves (serial within one, as the TypeScript draws them).
  std::vector<Buffer<double>> shuffled(permutation_count);
  std::vector<SharedTarget> targets(permutation_count);
  parallel_tasks(permutation_count, [&](int, int64_t p) {
    if (cancelled()) return;
    Buffer<int32_t> source(n), inverse;
    for (int64_t i = 0; i < n; ++i) source[i] = static_cast<int32_t>(i);
    SeededRandom random(seeds[p]);
    random.shuffle(source.data(), n);
    shuffled[p].resize(n);
    for (int64_t i = 0; i < n; ++i) shuffled[p][i] = target[source[i]];
    shuffled_target(base, source.data(), n, inverse, targets[p]);
  });
  if (cancelled()) return false;
  const auto mean_pair = [&](int64_t task, const int32_t* count_x, const int32_t* count_y) {
    means[2 * task] = mean_digamma_of_counts(count_x, n, 1);
    means[2 * task + 1] = mean_digamma_of_counts(count_y, n, 1);
  };
  if (tasks >= hardware_threads()) {
    // One (shuffle, feature) per thread at a time: no thread splits inside a task.
    std::vector<Buffer<int32_t>> count_x(hardware_threads()), count_y(hardware_threads());
    parallel_tasks(tasks, [&](int worker, int64_t task) {
      if (cancelled()) return;
      const int64_t p = task / feature_count, f = task % feature_count;
      count_x[worker].resize(n);
      count_y[worker].resize(n);
      one_feature(features[f], shuffled[p].data(), n, k, targets[p], avx2, false, count_x[worker].data(), count_y[worker].data(), marginals[f]);
      mean_pair(task, count_x[worker].data(), count_y[worker].data());
    });
  } else {
    Buffer<int32_t> count_x(n), count_y(n);
    for (int64_t task = 0; task < tasks && !cancelled(); ++task) {
      const int64_t p = task / feature_count, f = task % feature_count;
      one_feature(features[f], shuffled[p].data(), n, k, targets[p], avx2, true, count_x.data(), count_y.data(), marginals[f]);
      mean_pair(task, count_x.data(), count_y.data());
    }
  }
  return !cancelled();
}

int64_t permutation_scratch_in_use() { return permutation_scratch_bytes.load(); }

}  // namespace milens::cpu

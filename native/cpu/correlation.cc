// CPU correlation measures reported beside MI: Pearson's r, Spearman's ρ and the distance correlation,
// a line-by-line port of the TypeScript reference (main/compute/reference/correlations.ts), with every
// sum taken in the same order, so the results are bit-identical to it (no FMA contraction: the build
// sets no -march, and each product is rounded before it is added, as in JavaScript).
//
// The target's share (standardised values, order, average ranks, distance row sums and variance) is
// computed once; features are then split across threads, each feature on one thread. With a single
// feature, the target's and the feature's shares are prepared on two threads.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"
#include "radix_sort.h"

namespace milens::cpu {
namespace {

inline double clamp_unit(double value) { return std::max(-1.0, std::min(1.0, value)); }

/** pearson() of the reference; NaN for null. */
double pearson(const double* x, const double* y, int64_t n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean_x = 0, mean_y = 0;
  for (int64_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    const double pxy = dx * dy, pxx = dx * dx, pyy = dy * dy;
    sxy += pxy;
    sxx += pxx;
    syy += pyy;
  }
  if (!(sxx > 0 && syy > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double product = sxx * syy;
  return clamp_unit(sxy / std::sqrt(product));
}

/** prepareCorrelationColumn() of the reference. */
struct Column {
  std::vector<double> standardised, ranks, row_sums;
  std::vector<int32_t> order;
  double distance_variance = 0;
};

std::optional<Column> prepare_column(const double* values, int64_t n) {
  if (n < 2) return std::nullopt;
  const double count = static_cast<double>(n);
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += values[i];
  mean /= count;
  double variance = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = values[i] - mean;
    const double square = d * d;
    variance += square;
  }
  const double deviation = std::sqrt(variance / count);
  if (!(deviation > 0)) return std::nullopt;
  Column column;
  column.standardised.resize(n);
  for (int64_t i = 0; i < n; ++i) column.standardised[i] = (values[i] - mean) / deviation;
  const double* v = column.standardised.data();
  column.order = stable_argsort(v, n);
  const int32_t* order = column.order.data();
  // distanceRowSums
  column.row_sums.resize(n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += v[i];
  double below = 0;
  for (int64_t p = 0; p < n; ++p) {
    const int32_t index = order[p];
    const double value = v[index];
    const double a = value * static_cast<double>(p), b = value * static_cast<double>(n - p - 1);
    column.row_sums[index] = a - below + (total - below - value) - b;
    below += value;
  }
  double sum_squares = 0, row_squares = 0, row_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double s = v[i] * v[i], r = column.row_sums[i] * column.row_sums[i];
    sum_squares += s;
    row_squares += r;
    row_total += column.row_sums[i];
  }
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += v[i];
  const double two_n_squares = 2 * count * sum_squares, two_sum_sum = 2 * sum * sum;
  const double squared_distances = two_n_squares - two_sum_sum;
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * row_squares, totals = row_total * row_total;
  column.distance_variance = squared_distances / nn - two_rows / nnn + totals / nnnn;
  // averageRanks
  column.ranks.resize(n);
  for (int64_t start = 0; start < n;) {
    int64_t end = start + 1;
    while (end < n && v[order[end]] == v[order[start]]) ++end;
    const double rank = static_cast<double>(start + end + 1) / 2;
    for (int64_t p = start; p < end; ++p) column.ranks[order[p]] = rank;
    start = end;
  }
  return column;
}

/** distanceProductSum() of the reference: Σ_ij |x_i − x_j||y_i − y_j| by a bottom-up merge sort on y. */
double distance_product_sum(const double* x, const double* y, const int32_t* x_order, int64_t n) {
  std::vector<double> ys(n), xs(n), ys_next(n), xs_next(n);
  for (int64_t p = 0; p < n; ++p) {
    ys[p] = y[x_order[p]];
    xs[p] = x[x_order[p]];
  }
  double result = 0;
  for (int64_t width = 1; width < n; width *= 2) {
    for (int64_t start = 0; start < n; start += 2 * width) {
      const int64_t middle = std::min(start + width, n), end = std::min(start + 2 * width, n);
      double total_y = 0, total_x = 0, total_xy = 0;
      for (int64_t l = start; l < middle; ++l) {
        total_y += ys[l];
        total_x += xs[l];
        const double product = xs[l] * ys[l];
        total_xy += product;
      }
      const double total_count = static_cast<double>(middle - start);
      double low_count = 0, low_y = 0, low_x = 0, low_xy = 0;
      int64_t left = start, right = middle, out = start;
      // While both runs have points, the next one is chosen by selects rather than a branch (the order of
      // y values is random, so a branch would mispredict half the time); every accumulator takes either
      // its updated or its unchanged value, so the arithmetic is exactly the reference's.
      while (left < middle && right < end) {
        const double yl = ys[left], xl = xs[left], yr = ys[right], xr = xs[right];
        const bool take_left = yl <= yr;
        const double product = xl * yl;
        const double next_count = low_count + 1, next_y = low_y + yl, next_x = low_x + xl, next_xy = low_xy + product;
        const double xy = xr * yr;
        const double l1 = xy * low_count, l2 = xr * low_y, l3 = yr * low_x;
        const double low = l1 - l2 - l3 + low_xy;
        const double h1 = xy * (total_count - low_count), h2 = xr * (total_y - low_y), h3 = yr * (total_x - low_x);
        const double high = h1 - h2 - h3 + (total_xy - low_xy);
        const double next_result = result + (low - high);
        low_count = take_left ? next_count : low_count;
        low_y = take_left ? next_y : low_y;
        low_x = take_left ? next_x : low_x;
        low_xy = take_left ? next_xy : low_xy;
        result = take_left ? result : next_result;
        ys_next[out] = take_left ? yl : yr;
        xs_next[out++] = take_left ? xl : xr;
        left += take_left;
        right += !take_left;
      }
      // One run is exhausted: the rest of the left run only moves (no right point follows it); the rest
      // of the right run is counted against the whole left run.
      for (; left < middle; ++left, ++out) {
        ys_next[out] = ys[left];
        xs_next[out] = xs[left];
      }
      for (; right < end; ++right, ++out) {
        const double yr = ys[right], xr = xs[right];
        const double xy = xr * yr;
        const double l1 = xy * low_count, l2 = xr * low_y, l3 = yr * low_x;
        const double low = l1 - l2 - l3 + low_xy;
        const double h1 = xy * (total_count - low_count), h2 = xr * (total_y - low_y), h3 = yr * (total_x - low_x);
        const double high = h1 - h2 - h3 + (total_xy - low_xy);
        result += low - high;
        ys_next[out] = yr;
        xs_next[out] = xr;
      }
    }
    ys.swap(ys_next);
    xs.swap(xs_next);
  }
  return 2 * result;
}

/** correlationsOf() of the reference: [pearson, spearman, dcor], NaN for null. */
void measures_of(const Column& a, const Column& b, int64_t n, double* out) {
  const double count = static_cast<double>(n);
  double product = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.standardised[i] * b.standardised[i];
    product += p;
  }
  const double products = distance_product_sum(a.standardised.data(), b.standardised.data(), a.order.data(), n);
  double row_products = 0, a_total = 0, b_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double p = a.row_sums[i] * b.row_sums[i];
    row_products += p;
    a_total += a.row_sums[i];
    b_total += b.row_sums[i];
  }
  const double nn = count * count, nnn = nn * count, nnnn = nnn * count;
  const double two_rows = 2 * row_products, totals = a_total * b_total;
  const double covariance = products / nn - two_rows / nnn + totals / nnnn;
  double dcor_squared = std::numeric_limits<double>::quiet_NaN();
  if (a.distance_variance > 0 && b.distance_variance > 0) {
    const double variances = a.distance_variance * b.distance_variance;
    dcor_squared = covariance / std::sqrt(variances);
  }
  out[0] = clamp_unit(product / count);
  out[1] = pearson(a.ranks.data(), b.ranks.data(), n);
  out[2] = dcor_squared == dcor_squared ? std::sqrt(std::max(0.0, std::min(1.0, dcor_squared))) : std::numeric_limits<double>::quiet_NaN();
}

void measures_with_target(const std::optional<Column>& feature, const std::optional<Column>& target, int64_t n, double* out) {
  if (!feature || !target) {
    out[0] = out[1] = out[2] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  measures_of(*feature, *target, n, out);
}

}  // namespace

void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures) {
  if (feature_count == 0) return;
  std::optional<Column> target_column;
  if (feature_count == 1) {
    std::optional<Column> feature_column;
    parallel_for(0, 2, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        if (task == 0) target_column = prepare_column(target, n);
        else feature_column = prepare_column(features[0], n);
      }
    });
    measures_with_target(feature_column, target_column, n, measures);
    return;
  }
  target_column = prepare_column(target, n);
  parallel_for(0, feature_count, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t f = from; f < to; ++f) measures_with_target(prepare_column(features[f], n), target_column, n, measures + 3 * f);
  });
}

}  // namespace milens::cpu

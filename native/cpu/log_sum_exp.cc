// CPU log-sum-exp over rows or columns: one streaming pass per line with a running maximum and a sum of
// exp(x − max) rescaled when the maximum grows (the same recurrence as the TypeScript reference).
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

namespace milens::cpu {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

inline void step(double& maximum, double& sum, double value) {
  if (value == -kInfinity || maximum == kInfinity) return;
  if (value > maximum) {
    sum = (maximum == -kInfinity ? 0.0 : sum * std::exp(maximum - value)) + 1.0;
    maximum = value;
  } else {
    sum += std::exp(value - maximum);
  }
}

inline double finish(double maximum, double sum) {
  if (maximum == -kInfinity || maximum == kInfinity) return maximum;
  return maximum + std::log(sum);
}

[[noreturn]] void throw_nan(int64_t index) {
  throw KernelError(ErrorKind::Range, out_of_range_message("matrix[" + std::to_string(index) + "]", "a number", "NaN"));
}

}  // namespace

void log_sum_exp(const float* matrix, int64_t rows, int64_t columns, bool over_rows, double* result) {
  // NaN is rejected up front so a direct call gives the same error whatever the threading.
  parallel_for(0, rows * columns, 1 << 20, [&](int, int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) {
      if (matrix[i] != matrix[i]) throw_nan(i);
    }
  });
  if (over_rows) {
    parallel_for(0, rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, columns)), [&](int, int64_t from, int64_t to) {
      for (int64_t r = from; r < to; ++r) {
        double maximum = -kInfinity, sum = 0;
        const float* line = matrix + r * columns;
        for (int64_t c = 0; c < columns; ++c) step(maximum, sum, line[c]);
        result[r] = finish(maximum, sum);
      }
    });
    return;
  }
  parallel_for(0, columns, std::max<int64_t>(16, 4096 / std::max<int64_t>(1, rows)), [&](int, int64_t from, int64_t to) {
    std::vector<double> maximum(to - from, -kInfinity), sum(to - from, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const float* line = matrix + r * columns;
      for (int64_t c = from; c < to; ++c) step(maximum[c - from], sum[c - from], line[c]);
    }
    for (int64_t c = from; c < to; ++c) result[c] = finish(maximum[c - from], sum[c - from]);
  });
}

}  // namespace milens::cpu

// CUDA log-sum-exp. Over rows: one block per row, each thread streams a strided part of the row as
// (running max, scaled sum) and the block merges the pairs. Over columns: one thread per column streams
// down the rows (neighbouring threads read neighbouring columns, so loads coalesce).
#include <cuda_runtime.h>

#include <cmath>

#include "cuda_kernels.h"
#include "device_buffer.cuh"

namespace milens::cuda {
namespace {

constexpr int kThreads = 256;

__device__ inline void step(double& maximum, double& sum, double value) {
  if (value == -INFINITY || maximum == INFINITY) return;
  if (value > maximum) {
    sum = (maximum == -INFINITY ? 0.0 : sum * exp(maximum - value)) + 1.0;
    maximum = value;
  } else {
    sum += exp(value - maximum);
  }
}

/** Merges (m2, s2) into (m1, s1): the same result as streaming both parts in one pass. */
__device__ inline void merge(double& m1, double& s1, double m2, double s2) {
  if (m2 == -INFINITY || m1 == INFINITY) return;
  if (m2 == INFINITY || m1 == -INFINITY) {
    m1 = m2;
    s1 = s2;
    return;
  }
  if (m2 > m1) {
    s1 = s1 * exp(m1 - m2) + s2;
    m1 = m2;
  } else {
    s1 += s2 * exp(m2 - m1);
  }
}

__device__ inline double finish(double maximum, double sum) {
  return (maximum == -INFINITY || maximum == INFINITY) ? maximum : maximum + log(sum);
}

__global__ void over_rows(const float* matrix, int64_t columns, double* result) {
  __shared__ double maxima[kThreads];
  __shared__ double sums[kThreads];
  const float* line = matrix + static_cast<int64_t>(blockIdx.x) * columns;
  double maximum = -INFINITY, sum = 0.0;
  for (int64_t c = threadIdx.x; c < columns; c += kThreads) step(maximum, sum, line[c]);
  maxima[threadIdx.x] = maximum;
  sums[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) merge(maxima[threadIdx.x], sums[threadIdx.x], maxima[threadIdx.x + stride], sums[threadIdx.x + stride]);
    __syncthreads();
  }
  if (threadIdx.x == 0) result[blockIdx.x] = finish(maxima[0], sums[0]);
}

__global__ void over_columns(const float* matrix, int64_t rows, int64_t columns, double* result) {
  const int64_t column = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (column >= columns) return;
  double maximum = -INFINITY, sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) step(maximum, sum, matrix[r * columns + column]);
  result[column] = finish(maximum, sum);
}

}  // namespace

void log_sum_exp(const float* matrix, int64_t rows, int64_t columns, bool rows_axis, double* result) {
  const int64_t total = rows * columns;
  for (int64_t i = 0; i < total; ++i) {
    if (matrix[i] != matrix[i]) throw KernelError(ErrorKind::Range, out_of_range_message("matrix[" + std::to_string(i) + "]", "a number", "NaN"));
  }
  const int64_t lines = rows_axis ? rows : columns;
  if (lines == 0) return;
  if (total == 0) {
    for (int64_t i = 0; i < lines; ++i) result[i] = -INFINITY;
    return;
  }
  DeviceBuffer<float> device_matrix(total);
  DeviceBuffer<double> device_result(lines);
  check(cudaMemcpy(device_matrix.get(), matrix, total * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy matrix");
  if (rows_axis) {
    over_rows<<<static_cast<unsigned>(rows), kThreads>>>(device_matrix.get(), columns, device_result.get());
  } else {
    over_columns<<<static_cast<unsigned>((columns + kThreads - 1) / kThreads), kThreads>>>(device_matrix.get(), rows, columns, device_result.get());
  }
  check(cudaGetLastError(), "log_sum_exp launch");
  check(cudaMemcpy(result, device_result.get(), lines * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy result");
}

}  // namespace milens::cuda

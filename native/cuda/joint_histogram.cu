// CUDA joint histogram: codes are checked on the host (the error names the first bad index, as on the
// CPU), then counted on the device with 32-bit atomics and widened to float64 on the host.
#include <cuda_runtime.h>

#include <vector>

#include "cuda_kernels.h"
#include "device_buffer.cuh"

namespace milens::cuda {
namespace {

__global__ void count_pairs(const int32_t* a, const int32_t* b, int64_t n, int64_t b_levels, unsigned int* counts) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    atomicAdd(counts + a[i] * b_levels + b[i], 1u);
  }
}

}  // namespace

void joint_histogram(const int32_t* a, const int32_t* b, int64_t n, int64_t a_levels, int64_t b_levels, double* counts) {
  for (int64_t i = 0; i < n; ++i) {
    if (a[i] < 0 || a[i] >= a_levels) {
      throw KernelError(ErrorKind::Range, out_of_range_message("a[" + std::to_string(i) + "]", "a code from 0 to " + std::to_string(a_levels - 1), std::to_string(a[i])));
    }
    if (b[i] < 0 || b[i] >= b_levels) {
      throw KernelError(ErrorKind::Range, out_of_range_message("b[" + std::to_string(i) + "]", "a code from 0 to " + std::to_string(b_levels - 1), std::to_string(b[i])));
    }
  }
  if (n == 0) return;
  const int64_t cells = a_levels * b_levels;
  DeviceBuffer<int32_t> device_a(n), device_b(n);
  DeviceBuffer<unsigned int> device_counts(cells);
  check(cudaMemcpy(device_a.get(), a, n * sizeof(int32_t), cudaMemcpyHostToDevice), "cudaMemcpy a");
  check(cudaMemcpy(device_b.get(), b, n * sizeof(int32_t), cudaMemcpyHostToDevice), "cudaMemcpy b");
  check(cudaMemset(device_counts.get(), 0, cells * sizeof(unsigned int)), "cudaMemset counts");
  const int64_t blocks = std::min<int64_t>(4096, (n + 255) / 256);
  count_pairs<<<static_cast<unsigned>(blocks), 256>>>(device_a.get(), device_b.get(), n, b_levels, device_counts.get());
  check(cudaGetLastError(), "count_pairs launch");
  std::vector<unsigned int> host(cells);
  check(cudaMemcpy(host.data(), device_counts.get(), cells * sizeof(unsigned int), cudaMemcpyDeviceToHost), "cudaMemcpy counts");
  for (int64_t cell = 0; cell < cells; ++cell) counts[cell] = host[cell];
}

}  // namespace milens::cuda

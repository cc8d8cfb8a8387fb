// Benchmark helper for the CUDA backend: moves the buffer to the device in the same chunks the
// similarity kernel uses and sums its 32-bit words there, so "kernel / read" compares like with like.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda_kernels.h"
#include "device_buffer.cuh"

namespace milens::cuda {
namespace {

__global__ void sum_words(const unsigned int* words, int64_t count, unsigned long long* total) {
  unsigned long long partial = 0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    partial += words[i];
  }
  atomicAdd(total, partial);
}

}  // namespace

double read_sum(const void* data, int64_t bytes) {
  const int64_t chunk = int64_t{256} << 20;
  DeviceBuffer<unsigned char> buffer(std::min(chunk, bytes));
  DeviceBuffer<unsigned long long> total(1);
  check(cudaMemset(total.get(), 0, sizeof(unsigned long long)), "cudaMemset total");
  for (int64_t first = 0; first < bytes; first += chunk) {
    const int64_t here = std::min(chunk, bytes - first);
    check(cudaMemcpy(buffer.get(), static_cast<const unsigned char*>(data) + first, here, cudaMemcpyHostToDevice), "cudaMemcpy data");
    // Trailing bytes that do not fill a word are read by the copy but left out of the sum.
    sum_words<<<1024, 256>>>(reinterpret_cast<const unsigned int*>(buffer.get()), here / 4, total.get());
    check(cudaGetLastError(), "sum_words launch");
  }
  unsigned long long host = 0;
  check(cudaMemcpy(&host, total.get(), sizeof host, cudaMemcpyDeviceToHost), "cudaMemcpy total");
  return static_cast<double>(host);
}

}  // namespace milens::cuda

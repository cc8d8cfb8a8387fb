// The CUDA backend: similarity, log-sum-exp and joint histograms run on the GPU. KSG and Ross counts
// stay on the CPU's O(n log n) tree/sort kernels: the GPU's natural form of those is an O(n²) brute
// force, which loses to the CPU tree beyond a few ten thousand points.
#include <cuda_runtime_api.h>

#include "../cpu/cpu_kernels.h"
#include "../cpu/parallel.h"
#include "cuda_kernels.h"

namespace milens {
namespace {

Capabilities cuda_capabilities() { return Capabilities{true, true, true, false, cpu::hardware_threads()}; }

bool cuda_init(std::string& device, std::string& reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    reason = std::string("no CUDA device (") + (status != cudaSuccess ? cudaGetErrorString(status) : "cudaGetDeviceCount found 0 devices") + ")";
    return false;
  }
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) {
    reason = "no CUDA device (cudaGetDeviceProperties failed)";
    return false;
  }
  device = properties.name;
  return true;
}

}  // namespace

const Backend cuda_backend{
    "cuda",          cuda_capabilities, cuda_init, cuda::similarity_topk, cuda::log_sum_exp, cpu::ksg_counts,
    cpu::ross_counts, cuda::joint_histogram, cuda::read_sum, cuda::create_index, cuda::search_index, cuda::search_index_logits,
    cuda::destroy_index,
};

}  // namespace milens

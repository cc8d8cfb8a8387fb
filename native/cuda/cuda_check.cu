// Error handling shared by the CUDA launchers.
#include <cuda_runtime.h>

#include "cuda_kernels.h"

namespace milens::cuda {

void check(int status, const char* what) {
  const cudaError_t error = static_cast<cudaError_t>(status);
  if (error != cudaSuccess) throw KernelError(ErrorKind::Generic, std::string("CUDA ") + what + " failed: " + cudaGetErrorString(error));
}

}  // namespace milens::cuda

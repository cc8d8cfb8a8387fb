// CPU joint histogram of two code arrays. Threads count into private histograms when those are small
// enough to be worth merging; otherwise one thread counts straight into the result.
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

namespace milens::cpu {

void joint_histogram(const int32_t* a, const int32_t* b, int64_t n, int64_t a_levels, int64_t b_levels, double* counts) {
  for (int64_t i = 0; i < n; ++i) {
    if (a[i] < 0 || a[i] >= a_levels) {
      throw KernelError(ErrorKind::Range, out_of_range_message("a[" + std::to_string(i) + "]", "a code from 0 to " + std::to_string(a_levels - 1), std::to_string(a[i])));
    }
    if (b[i] < 0 || b[i] >= b_levels) {
      throw KernelError(ErrorKind::Range, out_of_range_message("b[" + std::to_string(i) + "]", "a code from 0 to " + std::to_string(b_levels - 1), std::to_string(b[i])));
    }
  }
  const int64_t cells = a_levels * b_levels;
  const bool private_histograms = cells <= (1 << 16) && n >= (1 << 16);
  if (!private_histograms) {
    for (int64_t i = 0; i < n; ++i) counts[a[i] * b_levels + b[i]] += 1;
    return;
  }
  const int chunks = chunk_count(n, 1 << 15);
  std::vector<std::vector<uint32_t>> local(chunks);
  parallel_for(0, n, 1 << 15, [&](int chunk, int64_t from, int64_t to) {
    local[chunk].assign(cells, 0);
    uint32_t* histogram = local[chunk].data();
    for (int64_t i = from; i < to; ++i) ++histogram[a[i] * b_levels + b[i]];
  });
  for (const std::vector<uint32_t>& histogram : local) {
    for (int64_t cell = 0; cell < static_cast<int64_t>(histogram.size()); ++cell) counts[cell] += histogram[cell];
  }
}

}  // namespace milens::cpu

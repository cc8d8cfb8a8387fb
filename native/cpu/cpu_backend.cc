// The CPU backend: always built, always available.
#include <string>
#include <thread>

#include "cpu_kernels.h"
#include "parallel.h"

namespace milens {
namespace {

Capabilities cpu_capabilities() { return Capabilities{true, true, true, true, cpu::hardware_threads()}; }

bool cpu_init(std::string& device, std::string&) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  device = std::to_string(cpu::hardware_threads()) + " threads, x86-64 " + (avx2 ? "AVX2+FMA+F16C" : "SSE2");
#elif defined(__aarch64__)
  device = std::to_string(cpu::hardware_threads()) + " threads, arm64 NEON";
#else
  device = std::to_string(cpu::hardware_threads()) + " threads";
#endif
  return true;
}

}  // namespace

const Backend cpu_backend{
    "cpu",          cpu_capabilities, cpu_init, cpu::similarity_topk, cpu::log_sum_exp, cpu::ksg_counts,
    cpu::ross_counts, cpu::joint_histogram, cpu::read_sum, cpu::create_index, cpu::search_index, cpu::search_index_logits,
    cpu::destroy_index,
};

}  // namespace milens

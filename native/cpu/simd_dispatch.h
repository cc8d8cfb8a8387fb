// Run-time choice between the AVX2 loops and the portable ones, shared by the CPU kernels. The build
// sets no -march flag (one binary for every x86-64 machine), so AVX2 code lives in functions marked
// __attribute__((target("avx2"))) and runs only where the CPU reports the feature; MILENS_CPU_SIMD=off
// forces the portable loops everywhere (the conformance tests run both). Other architectures and
// compilers get the portable loops.
#pragma once

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MILENS_X86_DISPATCH 1
#include <immintrin.h>
#endif

namespace milens::cpu {

/** True unless MILENS_CPU_SIMD=off asks for the portable loops. */
inline bool simd_allowed() {
  const char* simd = std::getenv("MILENS_CPU_SIMD");
  return !(simd != nullptr && std::strcmp(simd, "off") == 0);
}

/** AVX2 (and, with `with_fma_f16c`, FMA and F16C) reported by the CPU; false off x86-64. */
inline bool cpu_has_avx2(bool with_fma_f16c = false) {
#ifdef MILENS_X86_DISPATCH
  static const bool avx2 = __builtin_cpu_supports("avx2");
  static const bool fma_f16c = __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return avx2 && (!with_fma_f16c || fma_f16c);
#else
  (void)with_fma_f16c;
  return false;
#endif
}

/** The AVX2 loops where the CPU has them and MILENS_CPU_SIMD does not forbid them. */
inline bool use_avx2() { return simd_allowed() && cpu_has_avx2(); }

}  // namespace milens::cpu

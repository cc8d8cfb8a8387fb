// glibc's malloc returns a freed block of more than M_MMAP_THRESHOLD (128 kB at start, raised
// dynamically after frees) to the system, and trims the heap above M_TRIM_THRESHOLD. The kernels
// allocate and free buffers of several megabytes on every call (sorted marginals, grids, counts), so
// each call paid for fresh zero pages again: page faults were ~10% of `milens mi`'s CPU time, and the
// kernels ran 15–20 ms slower or faster depending on which large blocks happened to be freed before.
// Fixing the thresholds at 32 MB / 64 MB keeps such buffers in the heap between calls: the whole
// `milens mi` run on 100,000 × 10 took 0.22 s instead of 0.23–0.24 s, and on 1,000,000 × 1 0.35 s
// instead of 0.37–0.38 s. The cost is up to 64 MB of freed memory a malloc arena may keep.
// Process-wide, so it is skipped when the user tunes malloc (GLIBC_TUNABLES or MALLOC_* variables) or
// sets MILENS_KEEP_MALLOC_DEFAULTS; other C libraries (macOS, musl, Windows) are left alone.
#pragma once

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
extern char** environ;
#endif

namespace milens {

inline void tune_allocator_for_kernels() {
#if defined(__GLIBC__)
  if (std::getenv("MILENS_KEEP_MALLOC_DEFAULTS") != nullptr || std::getenv("GLIBC_TUNABLES") != nullptr) return;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, "MALLOC_", 7) == 0) return;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace milens

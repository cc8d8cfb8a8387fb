// A plain thread split for the CPU kernels: [begin, end) cut into one contiguous chunk per thread.
// Threads are started per call (tens of microseconds) because every kernel call does milliseconds of
// work or more; an exception on any thread is rethrown on the caller after all threads have joined.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace milens::cpu {

inline int hardware_threads() {
  static const int threads = std::max(1u, std::thread::hardware_concurrency());
  return threads;
}

/** Calls body(chunk, from, to) on up to hardware_threads() threads, each chunk at least min_chunk long. */
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t min_chunk, Body&& body) {
  const int64_t total = end - begin;
  if (total <= 0) return;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(hardware_threads(), total / std::max<int64_t>(1, min_chunk)));
  if (chunks == 1) {
    body(0, begin, end);
    return;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(chunks);
  threads.reserve(chunks - 1);
  auto run = [&](int64_t chunk) {
    const int64_t from = begin + total * chunk / chunks;
    const int64_t to = begin + total * (chunk + 1) / chunks;
    try {
      body(static_cast<int>(chunk), from, to);
    } catch (...) {
      errors[chunk] = std::current_exception();
    }
  };
  for (int64_t chunk = 1; chunk < chunks; ++chunk) threads.emplace_back(run, chunk);
  run(0);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

/**
 * Calls body(worker, task) for every task in [0, count), handed out one at a time to up to
 * hardware_threads() threads (worker: 0 to threads - 1): tasks of uneven cost, or a thread slowed by
 * other processes, still finish together.
 */
template <class Body>
void parallel_tasks(int64_t count, Body&& body) {
  std::atomic<int64_t> next{0};
  parallel_for(0, std::min<int64_t>(count, hardware_threads()), 1, [&](int worker, int64_t, int64_t) {
    for (int64_t task = next++; task < count; task = next++) body(worker, task);
  });
}

/** The number of chunks parallel_for will use for the same arguments. */
inline int chunk_count(int64_t total, int64_t min_chunk) {
  if (total <= 0) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(hardware_threads(), total / std::max<int64_t>(1, min_chunk))));
}

}  // namespace milens::cpu

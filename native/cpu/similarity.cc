// CPU similarity kernel: inner products of float32 queries against f32, f16 or int8+scale rows, with a
// fused top-k per query (a bounded min-heap per thread, merged at the end; no full sort). Rows are split
// across threads; each row is read once per call and scored against every query while it is in cache.
// x86-64 builds carry an AVX2+FMA+F16C path chosen at run time (the baseline stays SSE2 so prebuilds run
// anywhere); other machines, and MILENS_CPU_SIMD=off, use loops with independent accumulators that the
// compiler vectorises without -ffast-math (so NaN checks keep working).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

#include "simd_dispatch.h"

namespace milens::cpu {

float f16_to_f32(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t shifted = static_cast<uint32_t>(half & 0x7fffu) << 13;
  float magnitude;
  std::memcpy(&magnitude, &shifted, sizeof magnitude);
  // Re-biasing the exponent by 2^112 (127 − 15) is exact for normal and subnormal halves alike.
  magnitude *= 0x1p112f;
  uint32_t bits;
  std::memcpy(&bits, &magnitude, sizeof bits);
  if ((half & 0x7c00u) == 0x7c00u) bits = shifted | 0x7f800000u;  // infinity or NaN keeps its payload
  bits |= sign;
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

namespace {

constexpr int kLanes = 16;

template <class Load>
inline float dot_portable(const float* query, int64_t dimension, Load load) {
  float partial[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= dimension; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) partial[lane] += query[i + lane] * load(i + lane);
  }
  float sum = 0;
  for (; i < dimension; ++i) sum += query[i] * load(i);
  for (int lane = 0; lane < kLanes; ++lane) sum += partial[lane];
  return sum;
}

float dot_f32_portable(const float* q, const void* row, int64_t d) {
  const float* v = static_cast<const float*>(row);
  return dot_portable(q, d, [v](int64_t i) { return v[i]; });
}
float dot_f16_portable(const float* q, const void* row, int64_t d) {
  const uint16_t* v = static_cast<const uint16_t*>(row);
  return dot_portable(q, d, [v](int64_t i) { return f16_to_f32(v[i]); });
}
float dot_i8_portable(const float* q, const void* row, int64_t d) {
  const int8_t* v = static_cast<const int8_t*>(row);
  return dot_portable(q, d, [v](int64_t i) { return static_cast<float>(v[i]); });
}

#ifdef MILENS_X86_DISPATCH
#define MILENS_AVX2 __attribute__((target("avx2,fma,f16c")))

MILENS_AVX2 inline float horizontal_sum(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 sum = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  return _mm_cvtss_f32(half);
}

MILENS_AVX2 float dot_f32_avx2(const float* q, const void* row, int64_t d) {
  const float* v = static_cast<const float*>(row);
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= d; i += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(v + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_loadu_ps(v + i + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 16), _mm256_loadu_ps(v + i + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 24), _mm256_loadu_ps(v + i + 24), a3);
  }
  for (; i + 8 <= d; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(v + i), a0);
  float sum = horizontal_sum(a0, a1, a2, a3);
  for (; i < d; ++i) sum += q[i] * v[i];
  return sum;
}

MILENS_AVX2 inline __m256 load_f16(const uint16_t* v) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}

MILENS_AVX2 float dot_f16_avx2(const float* q, const void* row, int64_t d) {
  const uint16_t* v = static_cast<const uint16_t*>(row);
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= d; i += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_f16(v + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load_f16(v + i + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 16), load_f16(v + i + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 24), load_f16(v + i + 24), a3);
  }
  for (; i + 8 <= d; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_f16(v + i), a0);
  float sum = horizontal_sum(a0, a1, a2, a3);
  for (; i < d; ++i) sum += q[i] * f16_to_f32(v[i]);
  return sum;
}

MILENS_AVX2 inline __m256 load_i8(const int8_t* v) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(v))));
}

MILENS_AVX2 float dot_i8_avx2(const float* q, const void* row, int64_t d) {
  const int8_t* v = static_cast<const int8_t*>(row);
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= d; i += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_i8(v + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load_i8(v + i + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 16), load_i8(v + i + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 24), load_i8(v + i + 24), a3);
  }
  for (; i + 8 <= d; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_i8(v + i), a0);
  float sum = horizontal_sum(a0, a1, a2, a3);
  for (; i < d; ++i) sum += q[i] * static_cast<float>(v[i]);
  return sum;
}

#endif

using DotFunction = float (*)(const float*, const void*, int64_t);

DotFunction choose_dot(Dtype dtype) {
#ifdef MILENS_X86_DISPATCH
  if (simd_allowed() && cpu_has_avx2(/* with_fma_f16c */ true)) {
    return dtype == Dtype::F32 ? dot_f32_avx2 : dtype == Dtype::F16 ? dot_f16_avx2 : dot_i8_avx2;
  }
#endif
  return dtype == Dtype::F32 ? dot_f32_portable : dtype == Dtype::F16 ? dot_f16_portable : dot_i8_portable;
}

size_t element_size(Dtype dtype) { return dtype == Dtype::F32 ? 4 : dtype == Dtype::F16 ? 2 : 1; }

/** A min-heap of the k best items seen; the root is the worst kept item. */
class TopKHeap {
 public:
  explicit TopKHeap(int32_t k) : k_(k) { items_.reserve(k); }

  float threshold() const { return static_cast<int32_t>(items_.size()) < k_ ? -std::numeric_limits<float>::infinity() : items_.front().score; }

  void push(float score, int32_t index) {
    const ScoredItem item{score, index};
    auto worse_first = [](const ScoredItem& a, const ScoredItem& b) { return ranks_below(b, a); };
    if (static_cast<int32_t>(items_.size()) < k_) {
      items_.push_back(item);
      std::push_heap(items_.begin(), items_.end(), worse_first);
    } else if (ranks_below(items_.front(), item)) {
      std::pop_heap(items_.begin(), items_.end(), worse_first);
      items_.back() = item;
      std::push_heap(items_.begin(), items_.end(), worse_first);
    }
  }

  const std::vector<ScoredItem>& items() const { return items_; }

 private:
  int32_t k_;
  std::vector<ScoredItem> items_;
};

}  // namespace

void write_top_k(ScoredItem* candidates, int64_t candidate_count, int32_t k, int32_t* indices, float* scores) {
  const int64_t kept = std::min<int64_t>(k, candidate_count);
  std::partial_sort(candidates, candidates + kept, candidates + candidate_count,
                    [](const ScoredItem& a, const ScoredItem& b) { return ranks_below(b, a); });
  for (int64_t rank = 0; rank < k; ++rank) {
    indices[rank] = rank < kept ? candidates[rank].index : -1;
    scores[rank] = rank < kept ? candidates[rank].score : -std::numeric_limits<float>::infinity();
  }
}

void throw_nan_score(int64_t query, int64_t row) {
  throw KernelError(ErrorKind::Range,
                    out_of_range_message("the score of query " + std::to_string(query) + " against stored row " + std::to_string(row),
                                         "a number (the store holds NaN, or infinities that cancel)", "NaN"));
}

void similarity_topk(const SimilarityInput& input, TopKOutput& output) {
  const DotFunction dot = choose_dot(input.dtype);
  const size_t row_bytes = element_size(input.dtype) * static_cast<size_t>(input.dimension);
  const char* base = static_cast<const char*>(input.data);
  // Enough rows per thread that starting the thread is noise next to the scan.
  const int64_t min_rows = std::max<int64_t>(64, (1 << 18) / std::max<int64_t>(1, input.dimension * std::max<int64_t>(1, input.query_count)));
  const int chunks = chunk_count(input.count, min_rows);
  std::vector<std::vector<TopKHeap>> heaps(chunks);
  constexpr int64_t kNoNaN = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> nan_row(chunks, kNoNaN), nan_query(chunks, 0);
  const int64_t block = 16;  // rows scored against every query while they are in L1/L2

  parallel_for(0, input.count, min_rows, [&](int chunk, int64_t from, int64_t to) {
    std::vector<TopKHeap>& local = heaps[chunk];
    local.assign(input.query_count, TopKHeap(input.k));
    for (int64_t start = from; start < to; start += block) {
      const int64_t stop = std::min(to, start + block);
      for (int64_t q = 0; q < input.query_count; ++q) {
        const float* query = input.queries + q * input.dimension;
        TopKHeap& heap = local[q];
        for (int64_t row = start; row < stop; ++row) {
          float score = dot(query, base + row * row_bytes, input.dimension);
          if (input.dtype == Dtype::Int8) score *= input.scales[row];
          if (score != score) {
            if (row < nan_row[chunk] || (row == nan_row[chunk] && q < nan_query[chunk])) {
              nan_row[chunk] = row;
              nan_query[chunk] = q;
            }
            continue;
          }
          if (score >= heap.threshold()) heap.push(score, static_cast<int32_t>(row));
        }
      }
      if (nan_row[chunk] != kNoNaN) return;  // this chunk already failed; its first NaN is the one reported
    }
  });

  int64_t first_nan_row = kNoNaN, first_nan_query = 0;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    if (nan_row[chunk] < first_nan_row) {
      first_nan_row = nan_row[chunk];
      first_nan_query = nan_query[chunk];
    }
  }
  if (first_nan_row != kNoNaN) throw_nan_score(first_nan_query, first_nan_row);

  std::vector<ScoredItem> candidates;
  for (int64_t q = 0; q < input.query_count; ++q) {
    candidates.clear();
    for (const std::vector<TopKHeap>& local : heaps) {
      if (!local.empty()) candidates.insert(candidates.end(), local[q].items().begin(), local[q].items().end());
    }
    write_top_k(candidates.data(), static_cast<int64_t>(candidates.size()), input.k, output.indices + q * input.k, output.scores + q * input.k);
  }
}

void merge_log_sum_exp(LogSumExpState& a, const LogSumExpState& b) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (b.maximum == -inf || a.maximum == inf) return;
  if (b.maximum == inf || a.maximum == -inf) {
    a = b;
    return;
  }
  if (b.maximum > a.maximum) {
    a.sum = a.sum * std::exp(a.maximum - b.maximum) + b.sum;
    a.maximum = b.maximum;
  } else {
    a.sum += b.sum * std::exp(b.maximum - a.maximum);
  }
}

double finish_log_sum_exp(const LogSumExpState& state) {
  if (!std::isfinite(state.maximum)) return state.maximum;
  return state.maximum + std::log(state.sum);
}

namespace {

/** One query's running state in one thread's rows: the top k by logit and the moments of every logit. */
struct LogitAccumulator {
  explicit LogitAccumulator(int32_t k) : heap(k) {}
  TopKHeap heap;
  LogSumExpState log_sum_exp{-std::numeric_limits<double>::infinity(), 0.0};
  double sum = 0;
  double sum_squares = 0;
};

}  // namespace

void similarity_logits(const SimilarityInput& input, const LogitTransform& transform, TopKOutput& output, LogitMoments& moments) {
  const DotFunction dot = choose_dot(input.dtype);
  const size_t row_bytes = element_size(input.dtype) * static_cast<size_t>(input.dimension);
  const char* base = static_cast<const char*>(input.data);
  const int64_t min_rows = std::max<int64_t>(64, (1 << 18) / std::max<int64_t>(1, input.dimension * std::max<int64_t>(1, input.query_count)));
  const int chunks = chunk_count(input.count, min_rows);
  std::vector<std::vector<LogitAccumulator>> accumulators(chunks);
  constexpr int64_t kNoNaN = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> nan_row(chunks, kNoNaN), nan_query(chunks, 0);
  constexpr int64_t kBlock = 16;  // rows scored against every query while they are in L1/L2
  const float scale = transform.scale;
  const float* offsets = transform.offsets;

  parallel_for(0, input.count, min_rows, [&](int chunk, int64_t from, int64_t to) {
    std::vector<LogitAccumulator>& local = accumulators[chunk];
    local.assign(input.query_count, LogitAccumulator(input.k));
    float logits[kBlock];
    for (int64_t start = from; start < to; start += kBlock) {
      const int64_t stop = std::min(to, start + kBlock);
      const int64_t rows = stop - start;
      for (int64_t q = 0; q < input.query_count; ++q) {
        const float* query = input.queries + q * input.dimension;
        LogitAccumulator& accumulator = local[q];
        float block_maximum = -std::numeric_limits<float>::infinity();
        bool nan_seen = false;
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t row = start + r;
          float score = dot(query, base + row * row_bytes, input.dimension);
          if (input.dtype == Dtype::Int8) score *= input.scales[row];
          if (score != score) {
            if (row < nan_row[chunk] || (row == nan_row[chunk] && q < nan_query[chunk])) {
              nan_row[chunk] = row;
              nan_query[chunk] = q;
            }
            nan_seen = true;
            break;
          }
          const float logit = scale * score - (offsets ? offsets[row] : 0.0f);
          logits[r] = logit;
          block_maximum = std::max(block_maximum, logit);
          if (logit >= accumulator.heap.threshold()) accumulator.heap.push(logit, static_cast<int32_t>(row));
        }
        if (nan_seen) continue;
        // One exp per row in float against the block's maximum (every term ≤ 1), one double merge per block.
        LogSumExpState block{block_maximum, 0.0};
        if (std::isfinite(block_maximum)) {
          float block_sum = 0;
          double sum = 0, sum_squares = 0;
          for (int64_t r = 0; r < rows; ++r) {
            block_sum += std::exp(logits[r] - block_maximum);
            sum += logits[r];
            sum_squares += static_cast<double>(logits[r]) * logits[r];
          }
          block.sum = block_sum;
          accumulator.sum += sum;
          accumulator.sum_squares += sum_squares;
        } else {
          if (block_maximum == std::numeric_limits<float>::infinity()) block.sum = 1.0;
          for (int64_t r = 0; r < rows; ++r) {
            accumulator.sum += logits[r];
            accumulator.sum_squares += static_cast<double>(logits[r]) * logits[r];
          }
        }
        merge_log_sum_exp(accumulator.log_sum_exp, block);
      }
      if (nan_row[chunk] != kNoNaN) return;  // this chunk already failed; its first NaN is the one reported
    }
  });

  int64_t first_nan_row = kNoNaN, first_nan_query = 0;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    if (nan_row[chunk] < first_nan_row) {
      first_nan_row = nan_row[chunk];
      first_nan_query = nan_query[chunk];
    }
  }
  if (first_nan_row != kNoNaN) throw_nan_score(first_nan_query, first_nan_row);

  std::vector<ScoredItem> candidates;
  for (int64_t q = 0; q < input.query_count; ++q) {
    candidates.clear();
    LogSumExpState total{-std::numeric_limits<double>::infinity(), 0.0};
    double sum = 0, sum_squares = 0;
    for (const std::vector<LogitAccumulator>& local : accumulators) {
      if (local.empty()) continue;
      const LogitAccumulator& accumulator = local[q];
      candidates.insert(candidates.end(), accumulator.heap.items().begin(), accumulator.heap.items().end());
      merge_log_sum_exp(total, accumulator.log_sum_exp);
      sum += accumulator.sum;
      sum_squares += accumulator.sum_squares;
    }
    write_top_k(candidates.data(), static_cast<int64_t>(candidates.size()), input.k, output.indices + q * input.k, output.scores + q * input.k);
    moments.log_sum_exp[q] = finish_log_sum_exp(total);
    moments.sum[q] = sum;
    moments.sum_squares[q] = sum_squares;
  }
}

double read_sum(const void* data, int64_t bytes) {
  const unsigned char* base = static_cast<const unsigned char*>(data);
  const int chunks = chunk_count(bytes, 1 << 20);
  std::vector<uint64_t> sums(chunks, 0);
  parallel_for(0, bytes, 1 << 20, [&](int chunk, int64_t from, int64_t to) {
    uint64_t lanes[8] = {};
    int64_t i = from;
    for (; i + 64 <= to; i += 64) {
      uint64_t words[8];
      std::memcpy(words, base + i, sizeof words);
      for (int lane = 0; lane < 8; ++lane) lanes[lane] += words[lane];
    }
    uint64_t sum = 0;
    for (; i < to; ++i) sum += base[i];
    for (uint64_t lane : lanes) sum += lane;
    sums[chunk] = sum;
  });
  uint64_t total = 0;
  for (uint64_t sum : sums) total += sum;
  return static_cast<double>(total);
}

void create_index(ResidentIndex& index) {
  index.residency = Residency::Shared;
  index.state = nullptr;
}

void search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output) {
  similarity_topk(similarity_input(index.store, queries, query_count, k), output);
}

void search_index_logits(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                         TopKOutput& output, LogitMoments& moments) {
  similarity_logits(similarity_input(index.store, queries, query_count, k), transform, output, moments);
}

void destroy_index(ResidentIndex&) {}

}  // namespace milens::cpu

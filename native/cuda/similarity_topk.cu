// CUDA similarity kernel with top-k: one warp scores one row against every query (shuffle reduction),
// then one block per (query, 256-row segment) selects that segment's best min(k, 256) by repeated block
// arg-max, and the host merges the few candidates per query. NaN scores are flagged with an atomic
// minimum over (row, query) so the reported pair matches the CPU and TypeScript backends.
// similarity_topk streams the caller's rows to the device in chunks on every call; a resident index
// (create_index) uploads them once into device memory and search_index runs the same kernels over
// them, copying only the queries in and the candidates out.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "../cpu/cpu_kernels.h"
#include "cuda_kernels.h"
#include "device_buffer.cuh"

namespace milens::cuda {
namespace {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 8;  // one warp per row
constexpr int kSegment = 256;     // rows per selection block (= its thread count)

__device__ inline float load_value(const float* row, int64_t i) { return row[i]; }
__device__ inline float load_value(const __half* row, int64_t i) { return __half2float(row[i]); }
__device__ inline float load_value(const int8_t* row, int64_t i) { return static_cast<float>(row[i]); }

/** Scores rows; with `offsets` set (the fused PMI pass) each score becomes scale · score − offsets[row]. */
template <class T>
__global__ void score_rows(const float* queries, int64_t query_count, const T* rows, const float* scales, int64_t row_count,
                           int64_t dimension, int64_t first_row, float* scores, unsigned long long* first_nan, float logit_scale,
                           const float* offsets) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= row_count) return;
  const T* vector = rows + row * dimension;
  for (int64_t q = 0; q < query_count; ++q) {
    const float* query = queries + q * dimension;
    float partial = 0.f;
    for (int64_t i = lane; i < dimension; i += kWarp) partial += query[i] * load_value(vector, i);
    for (int offset = kWarp / 2; offset > 0; offset /= 2) partial += __shfl_down_sync(0xffffffffu, partial, offset);
    if (lane == 0) {
      float score = partial;
      if (scales) score *= scales[row];
      if (score != score) atomicMin(first_nan, static_cast<unsigned long long>((first_row + row) * query_count + q));
      if (logit_scale != 1.f || offsets) score = logit_scale * score - (offsets ? offsets[row] : 0.f);
      scores[q * row_count + row] = score;
    }
  }
}

struct Candidate {
  float score;
  int32_t index;
};

/** One segment's share of the per-query moments: log-sum-exp state (maximum, Σ exp(x − maximum)), Σ x, Σ x². */
struct SegmentMoments {
  double maximum;
  double exp_sum;
  double sum;
  double sum_squares;
};

__device__ inline bool better(float score_a, int32_t index_a, float score_b, int32_t index_b) {
  return score_a > score_b || (score_a == score_b && index_a < index_b);
}

/**
 * With `moments` set, the block first reduces its segment's log-sum-exp state and moments (the fused
 * PMI pass reads each score once, here, for both); NaN scores are left out (the flag reports them).
 */
__global__ void segment_top_k(const float* scores, int64_t row_count, int64_t first_row, int32_t keep, Candidate* out, SegmentMoments* moments) {
  __shared__ float best_score[kSegment];
  __shared__ int32_t best_slot[kSegment];
  __shared__ bool taken[kSegment];
  __shared__ double reduce_a[kSegment];
  __shared__ double reduce_b[kSegment];
  const int64_t q = blockIdx.y;
  const int64_t start = static_cast<int64_t>(blockIdx.x) * kSegment;
  const int slot = threadIdx.x;
  const bool present = start + slot < row_count;
  const float own = present ? scores[q * row_count + start + slot] : 0.f;
  taken[slot] = !present || own != own;
  const int64_t remaining = row_count - start;
  const int32_t length = static_cast<int32_t>(remaining < kSegment ? remaining : kSegment);
  const int32_t rounds = keep < length ? keep : length;
  Candidate* destination = out + (q * gridDim.x + blockIdx.x) * keep;
  if (moments) {
    const bool counted = present && own == own;
    // Block maximum, then Σ exp(x − maximum), Σ x and Σ x² (two reductions of two doubles each).
    reduce_a[slot] = counted ? own : -INFINITY;
    __syncthreads();
    for (int stride = kSegment / 2; stride > 0; stride /= 2) {
      if (slot < stride) reduce_a[slot] = fmax(reduce_a[slot], reduce_a[slot + stride]);
      __syncthreads();
    }
    const double maximum = reduce_a[0];
    __syncthreads();
    const bool finite_maximum = isfinite(maximum);
    reduce_a[slot] = counted && finite_maximum ? exp(static_cast<double>(own) - maximum) : (counted && own == maximum ? 1.0 : 0.0);
    reduce_b[slot] = counted ? own : 0.0;
    __syncthreads();
    for (int stride = kSegment / 2; stride > 0; stride /= 2) {
      if (slot < stride) {
        reduce_a[slot] += reduce_a[slot + stride];
        reduce_b[slot] += reduce_b[slot + stride];
      }
      __syncthreads();
    }
    const double exp_sum = reduce_a[0], sum = reduce_b[0];
    __syncthreads();
    reduce_a[slot] = counted ? static_cast<double>(own) * own : 0.0;
    __syncthreads();
    for (int stride = kSegment / 2; stride > 0; stride /= 2) {
      if (slot < stride) reduce_a[slot] += reduce_a[slot + stride];
      __syncthreads();
    }
    if (slot == 0) moments[q * gridDim.x + blockIdx.x] = SegmentMoments{maximum, exp_sum, sum, reduce_a[0]};
  }
  __syncthreads();
  for (int32_t round = 0; round < rounds; ++round) {
    best_score[slot] = taken[slot] ? -INFINITY : own;
    best_slot[slot] = taken[slot] ? -1 : slot;
    __syncthreads();
    for (int stride = kSegment / 2; stride > 0; stride /= 2) {
      if (slot < stride) {
        const int other = slot + stride;
        const bool take_other = best_slot[other] >= 0 &&
                                (best_slot[slot] < 0 || better(best_score[other], best_slot[other], best_score[slot], best_slot[slot]));
        if (take_other) {
          best_score[slot] = best_score[other];
          best_slot[slot] = best_slot[other];
        }
      }
      __syncthreads();
    }
    if (slot == 0) {
      const int32_t winner = best_slot[0];
      destination[round] = winner >= 0 ? Candidate{best_score[0], static_cast<int32_t>(first_row + start + winner)} : Candidate{-INFINITY, -1};
      if (winner >= 0) taken[winner] = true;
    }
    __syncthreads();
  }
  if (slot == 0) {
    for (int32_t round = rounds; round < keep; ++round) destination[round] = Candidate{-INFINITY, -1};
  }
}

/**
 * Scores and selects in chunks of rows. With `resident` set the rows (and int8 scales) are already in
 * device memory at resident_rows / resident_scales; otherwise each chunk is copied from input.data.
 */
template <class T>
void run_chunks(const SimilarityInput& input, TopKOutput& output, bool resident, const T* resident_rows, const float* resident_scales,
                const LogitTransform* transform = nullptr, LogitMoments* moments_out = nullptr) {
  const int64_t q_count = input.query_count, dimension = input.dimension;
  const bool scaled = resident ? resident_scales != nullptr : input.scales != nullptr;
  const int32_t keep = std::min<int32_t>(input.k, kSegment);
  // Rows per chunk: each device buffer (streamed rows, scores, segment candidates) stays near 256 MB.
  const int64_t budget = int64_t{256} << 20;
  int64_t chunk_rows = budget / (q_count * static_cast<int64_t>(sizeof(float)));
  chunk_rows = std::min<int64_t>(chunk_rows, budget / (q_count * keep * static_cast<int64_t>(sizeof(Candidate))) * kSegment);
  if (!resident) chunk_rows = std::min<int64_t>(chunk_rows, budget / std::max<int64_t>(1, dimension * static_cast<int64_t>(sizeof(T))));
  chunk_rows = std::max<int64_t>(kSegment, chunk_rows / kSegment * kSegment);
  DeviceBuffer<float> queries(q_count * dimension);
  check(cudaMemcpy(queries.get(), input.queries, q_count * dimension * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy queries");
  const int64_t rows_here_max = std::min<int64_t>(chunk_rows, input.count);
  DeviceBuffer<T> rows(resident ? 0 : rows_here_max * dimension);
  DeviceBuffer<float> scales(!resident && scaled ? rows_here_max : 0);
  DeviceBuffer<float> scores(rows_here_max * q_count);
  const int64_t segments_max = (rows_here_max + kSegment - 1) / kSegment;
  DeviceBuffer<Candidate> candidates(segments_max * q_count * keep);
  DeviceBuffer<SegmentMoments> moments(transform ? segments_max * q_count : 0);
  // The fused pass's per-row offsets go to the device once per call (4 bytes a row, against the 2·dimension of a stored f16 row).
  DeviceBuffer<float> offsets(transform && transform->offsets ? input.count : 0);
  if (transform && transform->offsets && input.count > 0)
    check(cudaMemcpy(offsets.get(), transform->offsets, input.count * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy offsets");
  std::vector<cpu::LogSumExpState> log_sum_exp(transform ? q_count : 0, cpu::LogSumExpState{-INFINITY, 0.0});
  std::vector<double> sums(transform ? q_count : 0, 0.0), sum_squares(transform ? q_count : 0, 0.0);
  std::vector<SegmentMoments> host_moments(transform ? segments_max * q_count : 0);
  DeviceBuffer<unsigned long long> first_nan(1);
  const unsigned long long no_nan = std::numeric_limits<unsigned long long>::max();
  check(cudaMemcpy(first_nan.get(), &no_nan, sizeof no_nan, cudaMemcpyHostToDevice), "cudaMemcpy flag");

  std::vector<std::vector<cpu::ScoredItem>> kept(q_count);
  std::vector<Candidate> host(segments_max * q_count * keep);
  for (int64_t first = 0; first < input.count; first += chunk_rows) {
    const int64_t rows_here = std::min<int64_t>(chunk_rows, input.count - first);
    const T* chunk = nullptr;
    const float* chunk_scales = nullptr;
    if (resident) {
      chunk = resident_rows + first * dimension;
      chunk_scales = scaled ? resident_scales + first : nullptr;
    } else {
      const T* source = static_cast<const T*>(input.data) + first * dimension;
      check(cudaMemcpy(rows.get(), source, rows_here * dimension * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy rows");
      if (scaled) check(cudaMemcpy(scales.get(), input.scales + first, rows_here * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy scales");
      chunk = rows.get();
      chunk_scales = scaled ? scales.get() : nullptr;
    }
    const unsigned blocks = static_cast<unsigned>((rows_here + kRowsPerBlock - 1) / kRowsPerBlock);
    const float logit_scale = transform ? transform->scale : 1.f;
    const float* chunk_offsets = transform && transform->offsets ? offsets.get() + first : nullptr;
    score_rows<T><<<blocks, kRowsPerBlock * kWarp>>>(queries.get(), q_count, chunk, chunk_scales, rows_here, dimension, first, scores.get(),
                                                    first_nan.get(), logit_scale, chunk_offsets);
    check(cudaGetLastError(), "score_rows launch");
    const unsigned segments = static_cast<unsigned>((rows_here + kSegment - 1) / kSegment);
    segment_top_k<<<dim3(segments, static_cast<unsigned>(q_count)), kSegment>>>(scores.get(), rows_here, first, keep, candidates.get(),
                                                                                 transform ? moments.get() : nullptr);
    check(cudaGetLastError(), "segment_top_k launch");
    if (transform) {
      check(cudaMemcpy(host_moments.data(), moments.get(), static_cast<size_t>(segments) * q_count * sizeof(SegmentMoments), cudaMemcpyDeviceToHost),
            "cudaMemcpy moments");
      for (int64_t q = 0; q < q_count; ++q) {
        for (unsigned segment = 0; segment < segments; ++segment) {
          const SegmentMoments& part = host_moments[q * segments + segment];
          cpu::merge_log_sum_exp(log_sum_exp[q], cpu::LogSumExpState{part.maximum, part.exp_sum});
          sums[q] += part.sum;
          sum_squares[q] += part.sum_squares;
        }
      }
    }
    const size_t candidate_count = static_cast<size_t>(segments) * q_count * keep;
    check(cudaMemcpy(host.data(), candidates.get(), candidate_count * sizeof(Candidate), cudaMemcpyDeviceToHost), "cudaMemcpy candidates");
    for (int64_t q = 0; q < q_count; ++q) {
      for (size_t c = q * static_cast<size_t>(segments) * keep; c < (q + 1) * static_cast<size_t>(segments) * keep; ++c) {
        if (host[c].index >= 0) kept[q].push_back(cpu::ScoredItem{host[c].score, host[c].index});
      }
      // Bound host memory: keep only the best k after each chunk.
      if (static_cast<int64_t>(kept[q].size()) > 4 * input.k) {
        std::partial_sort(kept[q].begin(), kept[q].begin() + input.k, kept[q].end(),
                          [](const cpu::ScoredItem& a, const cpu::ScoredItem& b) { return cpu::ranks_below(b, a); });
        kept[q].resize(input.k);
      }
    }
  }
  unsigned long long nan_at = no_nan;
  check(cudaMemcpy(&nan_at, first_nan.get(), sizeof nan_at, cudaMemcpyDeviceToHost), "cudaMemcpy flag");
  if (nan_at != no_nan) cpu::throw_nan_score(static_cast<int64_t>(nan_at % q_count), static_cast<int64_t>(nan_at / q_count));
  for (int64_t q = 0; q < q_count; ++q) {
    cpu::write_top_k(kept[q].data(), static_cast<int64_t>(kept[q].size()), input.k, output.indices + q * input.k, output.scores + q * input.k);
    if (transform) {
      moments_out->log_sum_exp[q] = cpu::finish_log_sum_exp(log_sum_exp[q]);
      moments_out->sum[q] = sums[q];
      moments_out->sum_squares[q] = sum_squares[q];
    }
  }
}

/** The device copy of one store, made by create_index and freed by destroy_index. */
struct ResidentStore {
  void* rows = nullptr;      // count × dimension elements of the store's dtype
  float* scales = nullptr;   // count, int8 only
  ResidentStore() = default;
  ResidentStore(const ResidentStore&) = delete;
  ResidentStore& operator=(const ResidentStore&) = delete;
  ~ResidentStore() {
    // Errors are ignored: at process exit the runtime may already be unloading.
    if (rows) cudaFree(rows);
    if (scales) cudaFree(scales);
  }
};

size_t element_size(Dtype dtype) { return dtype == Dtype::F32 ? sizeof(float) : dtype == Dtype::F16 ? sizeof(__half) : sizeof(int8_t); }

}  // namespace

void similarity_topk(const SimilarityInput& input, TopKOutput& output) {
  if (input.query_count == 0) return;
  switch (input.dtype) {
    case Dtype::F32: return run_chunks<float>(input, output, false, nullptr, nullptr);
    case Dtype::F16: return run_chunks<__half>(input, output, false, nullptr, nullptr);
    case Dtype::Int8: return run_chunks<int8_t>(input, output, false, nullptr, nullptr);
  }
}

void create_index(ResidentIndex& index) {
  const StoreView& store = index.store;
  auto resident = std::make_unique<ResidentStore>();
  const size_t bytes = static_cast<size_t>(store.count) * static_cast<size_t>(store.dimension) * element_size(store.dtype);
  if (bytes > 0) {
    check(cudaMalloc(&resident->rows, bytes), "cudaMalloc (resident store)");
    check(cudaMemcpy(resident->rows, store.data, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (resident store)");
  }
  if (store.dtype == Dtype::Int8 && store.count > 0) {
    const size_t scale_bytes = static_cast<size_t>(store.count) * sizeof(float);
    check(cudaMalloc(reinterpret_cast<void**>(&resident->scales), scale_bytes), "cudaMalloc (resident scales)");
    check(cudaMemcpy(resident->scales, store.scales, scale_bytes, cudaMemcpyHostToDevice), "cudaMemcpy (resident scales)");
  }
  index.residency = Residency::Device;
  index.state = resident.release();
}

void search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output) {
  const auto* resident = static_cast<const ResidentStore*>(index.state);
  if (resident == nullptr) throw KernelError(ErrorKind::Generic, "the CUDA vector index holds no device store");
  if (query_count == 0) return;
  SimilarityInput input = similarity_input(index.store, queries, query_count, k);
  input.data = nullptr;  // the caller's arrays may be gone: only the device copy is read
  input.scales = nullptr;
  const float* scales = resident->scales;
  switch (input.dtype) {
    case Dtype::F32: return run_chunks<float>(input, output, true, static_cast<const float*>(resident->rows), scales);
    case Dtype::F16: return run_chunks<__half>(input, output, true, static_cast<const __half*>(resident->rows), scales);
    case Dtype::Int8: return run_chunks<int8_t>(input, output, true, static_cast<const int8_t*>(resident->rows), scales);
  }
}

void search_index_logits(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                         TopKOutput& output, LogitMoments& moments) {
  const auto* resident = static_cast<const ResidentStore*>(index.state);
  if (resident == nullptr) throw KernelError(ErrorKind::Generic, "the CUDA vector index holds no device store");
  if (query_count == 0) return;
  if (index.store.count == 0) {
    for (int64_t q = 0; q < query_count; ++q) {
      for (int32_t rank = 0; rank < k; ++rank) {
        output.indices[q * k + rank] = -1;
        output.scores[q * k + rank] = -INFINITY;
      }
      moments.log_sum_exp[q] = -INFINITY;
      moments.sum[q] = 0;
      moments.sum_squares[q] = 0;
    }
    return;
  }
  SimilarityInput input = similarity_input(index.store, queries, query_count, k);
  input.data = nullptr;
  input.scales = nullptr;
  const float* scales = resident->scales;
  switch (input.dtype) {
    case Dtype::F32: return run_chunks<float>(input, output, true, static_cast<const float*>(resident->rows), scales, &transform, &moments);
    case Dtype::F16: return run_chunks<__half>(input, output, true, static_cast<const __half*>(resident->rows), scales, &transform, &moments);
    case Dtype::Int8: return run_chunks<int8_t>(input, output, true, static_cast<const int8_t*>(resident->rows), scales, &transform, &moments);
  }
}

void destroy_index(ResidentIndex& index) {
  delete static_cast<ResidentStore*>(index.state);
  index.state = nullptr;
}

}  // namespace milens::cuda

// The Metal backend (macOS): the similarity scores run on the GPU; top-k selection, log-sum-exp, KSG,
// Ross and histograms use the CPU kernels. Apple GPUs share memory with the CPU, so inputs are wrapped
// without a copy (newBufferWithBytesNoCopy) when the typed array is page-aligned, scores are written to a
// MTLResourceStorageModeShared buffer, and the CPU selects the top k straight from it.
// The kernels are embedded as source and compiled on first use with newLibraryWithSource.
// A resident index (metal_create_index) wraps the whole store once, without a copy when the typed arrays
// are page-aligned (else one shared copy at creation), and every search binds that buffer at the chunk's
// row offset, so repeated queries neither copy nor re-wrap the stored vectors.
#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "../cpu/cpu_kernels.h"
#include "../cpu/parallel.h"

namespace milens {
namespace {

const char* kShaderSource = R"METAL(
#include <metal_stdlib>
using namespace metal;

struct Params {
  uint query_count;
  uint dimension;
  uint row_count;
  uint row_offset;  // rows and scales are read from this row on; scores are indexed from 0
};

template <typename T>
inline void score_row(device const float* queries, device const T* rows, float scale, device float* scores, constant Params& p, uint row) {
  device const T* vector = rows + (ulong(p.row_offset) + row) * p.dimension;
  for (uint q = 0; q < p.query_count; ++q) {
    device const float* query = queries + ulong(q) * p.dimension;
    float sum = 0.0f;
    for (uint i = 0; i < p.dimension; ++i) sum = fma(query[i], float(vector[i]), sum);
    scores[ulong(q) * p.row_count + row] = sum * scale;
  }
}

kernel void score_f32(device const float* queries [[buffer(0)]], device const float* rows [[buffer(1)]],
                      device const float* scales [[buffer(2)]], device float* scores [[buffer(3)]],
                      constant Params& p [[buffer(4)]], uint row [[thread_position_in_grid]]) {
  if (row < p.row_count) score_row(queries, rows, 1.0f, scores, p, row);
}

kernel void score_f16(device const float* queries [[buffer(0)]], device const half* rows [[buffer(1)]],
                      device const float* scales [[buffer(2)]], device float* scores [[buffer(3)]],
                      constant Params& p [[buffer(4)]], uint row [[thread_position_in_grid]]) {
  if (row < p.row_count) score_row(queries, rows, 1.0f, scores, p, row);
}

kernel void score_int8(device const float* queries [[buffer(0)]], device const char* rows [[buffer(1)]],
                       device const float* scales [[buffer(2)]], device float* scores [[buffer(3)]],
                       constant Params& p [[buffer(4)]], uint row [[thread_position_in_grid]]) {
  if (row < p.row_count) score_row(queries, rows, scales[p.row_offset + row], scores, p, row);
}
)METAL";

struct Params {
  uint32_t query_count;
  uint32_t dimension;
  uint32_t row_count;
  uint32_t row_offset;
};

struct MetalState {
  id<MTLDevice> device = nil;
  id<MTLCommandQueue> queue = nil;
  id<MTLComputePipelineState> pipelines[3] = {nil, nil, nil};
  std::string error;
};

MetalState& state() {
  static MetalState shared;
  return shared;
}

/** Compiles the embedded kernels once; later calls reuse the pipelines (or the first error). */
bool compile_pipelines() {
  static std::once_flag once;
  std::call_once(once, [] {
    @autoreleasepool {
      MetalState& s = state();
      NSError* error = nil;
      MTLCompileOptions* options = [MTLCompileOptions new];
      // Fast math may drop NaN, and a NaN score must be reported, not ranked. (Deprecated in the macOS 15
      // SDK in favour of mathMode, which older SDKs lack; still honoured.)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
      options.fastMathEnabled = NO;
#pragma clang diagnostic pop
      id<MTLLibrary> library = [s.device newLibraryWithSource:[NSString stringWithUTF8String:kShaderSource] options:options error:&error];
      if (library == nil) {
        s.error = std::string("Metal shader compilation failed: ") + (error ? [[error localizedDescription] UTF8String] : "unknown error");
        return;
      }
      NSString* names[3] = {@"score_f32", @"score_f16", @"score_int8"};
      for (int i = 0; i < 3; ++i) {
        id<MTLFunction> function = [library newFunctionWithName:names[i]];
        s.pipelines[i] = function ? [s.device newComputePipelineStateWithFunction:function error:&error] : nil;
        if (s.pipelines[i] == nil) {
          s.error = std::string("Metal pipeline creation failed for ") + [names[i] UTF8String];
          return;
        }
      }
    }
  });
  return state().error.empty();
}

bool metal_init(std::string& device_name, std::string& reason) {
  @autoreleasepool {
    MetalState& s = state();
    s.device = MTLCreateSystemDefaultDevice();
    if (s.device == nil) {
      reason = "no Metal device (MTLCreateSystemDefaultDevice returned nil)";
      return false;
    }
    s.queue = [s.device newCommandQueue];
    if (s.queue == nil) {
      reason = "the Metal device did not create a command queue";
      return false;
    }
    device_name = [[s.device name] UTF8String];
    return true;
  }
}

Capabilities metal_capabilities() { return Capabilities{true, true, true, true, cpu::hardware_threads()}; }

/**
 * Wraps host memory without a copy when it is page-aligned, else copies it into a shared buffer;
 * `copied` (when given) says which happened.
 */
id<MTLBuffer> shared_buffer(const void* data, size_t bytes, bool* copied = nullptr) {
  if (copied) *copied = false;
  id<MTLDevice> device = state().device;
  const size_t page = static_cast<size_t>(getpagesize());
  const size_t length = std::max<size_t>(bytes, 1);
  if (reinterpret_cast<uintptr_t>(data) % page == 0 && bytes > 0) {
    // The length must be a whole number of pages; the last page is mapped because the data ends in it.
    const size_t rounded = (length + page - 1) / page * page;
    id<MTLBuffer> buffer = [device newBufferWithBytesNoCopy:const_cast<void*>(data) length:rounded options:MTLResourceStorageModeShared deallocator:nil];
    if (buffer != nil) return buffer;
  }
  if (copied) *copied = true;
  if (bytes == 0) return [device newBufferWithLength:page options:MTLResourceStorageModeShared];
  return [device newBufferWithBytes:data length:bytes options:MTLResourceStorageModeShared];
}

size_t element_size(Dtype dtype) { return dtype == Dtype::F32 ? 4 : dtype == Dtype::F16 ? 2 : 1; }

/**
 * Scores every row against every query on the GPU, chunk by chunk, and selects the top k on the CPU.
 * With `store_rows` set (a resident index) the whole store is already one buffer (and `store_scales`
 * its int8 scales) and each chunk binds it at its row offset; otherwise each chunk of input.data is
 * wrapped (or copied) for that call.
 */
void score_and_select(const SimilarityInput& input, TopKOutput& output, id<MTLBuffer> store_rows, id<MTLBuffer> store_scales) {
  if (!compile_pipelines()) throw KernelError(ErrorKind::Generic, state().error);
  if (input.query_count == 0) return;
  @autoreleasepool {
    MetalState& s = state();
    const int pipeline_index = input.dtype == Dtype::F32 ? 0 : input.dtype == Dtype::F16 ? 1 : 2;
    id<MTLComputePipelineState> pipeline = s.pipelines[pipeline_index];
    const size_t element_bytes = element_size(input.dtype);
    // Score in chunks of rows so the score buffer stays near 256 MB whatever the query count.
    const int64_t chunk_rows = std::max<int64_t>(1, (int64_t{64} << 20) / input.query_count);
    id<MTLBuffer> queries = shared_buffer(input.queries, input.query_count * input.dimension * sizeof(float));
    std::vector<std::vector<cpu::ScoredItem>> kept(input.query_count);
    int64_t nan_row = -1, nan_query = 0;
    for (int64_t first = 0; first < input.count && nan_row < 0; first += chunk_rows) {
      const int64_t rows_here = std::min(chunk_rows, input.count - first);
      id<MTLBuffer> rows = store_rows;
      id<MTLBuffer> scales = store_scales;
      uint32_t row_offset = static_cast<uint32_t>(first);
      if (rows == nil) {
        const char* row_data = static_cast<const char*>(input.data) + first * input.dimension * element_bytes;
        rows = shared_buffer(row_data, rows_here * input.dimension * element_bytes);
        scales = input.scales ? shared_buffer(input.scales + first, rows_here * sizeof(float)) : nil;
        row_offset = 0;
      }
      if (scales == nil) scales = queries;  // bound but unread by the f32 and f16 kernels
      id<MTLBuffer> scores = [s.device newBufferWithLength:std::max<size_t>(4, rows_here * input.query_count * sizeof(float))
                                                   options:MTLResourceStorageModeShared];
      if (rows == nil || scores == nil) throw KernelError(ErrorKind::Generic, "Metal buffer allocation failed");
      const Params params{static_cast<uint32_t>(input.query_count), static_cast<uint32_t>(input.dimension), static_cast<uint32_t>(rows_here),
                          row_offset};
      id<MTLCommandBuffer> command = [s.queue commandBuffer];
      id<MTLComputeCommandEncoder> encoder = [command computeCommandEncoder];
      [encoder setComputePipelineState:pipeline];
      [encoder setBuffer:queries offset:0 atIndex:0];
      [encoder setBuffer:rows offset:0 atIndex:1];
      [encoder setBuffer:scales offset:0 atIndex:2];
      [encoder setBuffer:scores offset:0 atIndex:3];
      [encoder setBytes:&params length:sizeof params atIndex:4];
      const NSUInteger width = std::min<NSUInteger>(256, pipeline.maxTotalThreadsPerThreadgroup);
      [encoder dispatchThreads:MTLSizeMake(static_cast<NSUInteger>(rows_here), 1, 1) threadsPerThreadgroup:MTLSizeMake(width, 1, 1)];
      [encoder endEncoding];
      [command commit];
      [command waitUntilCompleted];
      if (command.status != MTLCommandBufferStatusCompleted) {
        throw KernelError(ErrorKind::Generic, std::string("Metal command failed: ") +
                                                  (command.error ? [[command.error localizedDescription] UTF8String] : "unknown error"));
      }
      const float* values = static_cast<const float*>([scores contents]);
      // The first NaN in (row, query) order, as the CPU and TypeScript backends report it.
      for (int64_t row = 0; row < rows_here && nan_row < 0; ++row) {
        for (int64_t q = 0; q < input.query_count; ++q) {
          const float score = values[q * rows_here + row];
          if (score != score) {
            nan_row = first + row;
            nan_query = q;
            break;
          }
        }
      }
      if (nan_row >= 0) break;
      cpu::parallel_for(0, input.query_count, 1, [&](int, int64_t from, int64_t to) {
        for (int64_t q = from; q < to; ++q) {
          std::vector<cpu::ScoredItem>& items = kept[q];
          for (int64_t row = 0; row < rows_here; ++row) items.push_back(cpu::ScoredItem{values[q * rows_here + row], static_cast<int32_t>(first + row)});
          if (static_cast<int64_t>(items.size()) > input.k) {
            std::nth_element(items.begin(), items.begin() + input.k - 1, items.end(),
                             [](const cpu::ScoredItem& a, const cpu::ScoredItem& b) { return cpu::ranks_below(b, a); });
            items.resize(input.k);
          }
        }
      });
    }
    if (nan_row >= 0) cpu::throw_nan_score(nan_query, nan_row);
    for (int64_t q = 0; q < input.query_count; ++q) {
      cpu::write_top_k(kept[q].data(), static_cast<int64_t>(kept[q].size()), input.k, output.indices + q * input.k, output.scores + q * input.k);
    }
  }
}

void metal_similarity_topk(const SimilarityInput& input, TopKOutput& output) { score_and_select(input, output, nil, nil); }

/** The Metal buffers of one resident store (ARC releases them when the struct is deleted). */
struct MetalResidentStore {
  id<MTLBuffer> rows = nil;    // the whole store; nil when it exceeds maxBufferLength (searches then wrap chunks)
  id<MTLBuffer> scales = nil;  // int8 scales, else nil
};

void metal_create_index(ResidentIndex& index) {
  if (!compile_pipelines()) throw KernelError(ErrorKind::Generic, state().error);
  @autoreleasepool {
    const StoreView& store = index.store;
    auto resident = std::make_unique<MetalResidentStore>();
    const size_t bytes = static_cast<size_t>(store.count) * static_cast<size_t>(store.dimension) * element_size(store.dtype);
    index.residency = Residency::Shared;
    if (bytes <= static_cast<size_t>([state().device maxBufferLength])) {
      bool rows_copied = false, scales_copied = true;
      resident->rows = shared_buffer(store.data, bytes, &rows_copied);
      if (store.scales) resident->scales = shared_buffer(store.scales, static_cast<size_t>(store.count) * sizeof(float), &scales_copied);
      if (resident->rows == nil || (store.scales && resident->scales == nil)) throw KernelError(ErrorKind::Generic, "Metal buffer allocation failed");
      // Copy only when no buffer wraps the caller's memory: then the caller's arrays may be released.
      if (rows_copied && scales_copied) index.residency = Residency::Copy;
    }
    index.state = resident.release();
  }
}

void metal_search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output) {
  const auto* resident = static_cast<const MetalResidentStore*>(index.state);
  if (resident == nullptr) throw KernelError(ErrorKind::Generic, "the Metal vector index holds no store");
  score_and_select(similarity_input(index.store, queries, query_count, k), output, resident->rows, resident->scales);
}

/**
 * The fused PMI pass (top k by logit plus log-sum-exp and moments) on a Metal index. The store lives in
 * unified memory, so the CPU kernel reads the very buffer the GPU reads, in place: the caller's arrays
 * while residency is Shared, else the index's one copy ([rows contents]). No per-query copy is made.
 */
void metal_search_index_logits(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                               TopKOutput& output, LogitMoments& moments) {
  const auto* resident = static_cast<const MetalResidentStore*>(index.state);
  if (resident == nullptr) throw KernelError(ErrorKind::Generic, "the Metal vector index holds no store");
  SimilarityInput input = similarity_input(index.store, queries, query_count, k);
  if (index.residency == Residency::Copy) {
    input.data = [resident->rows contents];
    input.scales = resident->scales != nil ? static_cast<const float*>([resident->scales contents]) : nullptr;
  }
  cpu::similarity_logits(input, transform, output, moments);
}

void metal_destroy_index(ResidentIndex& index) {
  delete static_cast<MetalResidentStore*>(index.state);
  index.state = nullptr;
}

}  // namespace

const Backend metal_backend{
    "metal",          metal_capabilities, metal_init, metal_similarity_topk, cpu::log_sum_exp, cpu::ksg_counts,
    cpu::ross_counts, cpu::joint_histogram, cpu::read_sum, metal_create_index, metal_search_index,
    metal_search_index_logits, metal_destroy_index,
};

}  // namespace milens

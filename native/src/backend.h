// The one interface every compute backend implements (ggml style: a struct of kernel entry points plus
// a name and capabilities), and the registry of the backends compiled into this addon. Kernels run on
// worker threads, receive validated raw pointers, and report failures by throwing KernelError, which
// the N-API layer turns into a rejected promise with a TypeError, RangeError or Error.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace milens {

enum class ErrorKind { Generic, Type, Range };

class KernelError : public std::runtime_error {
 public:
  KernelError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind(kind) {}
  ErrorKind kind;
};

/** The same wording as main/api/errors.ts outOfRange(). */
std::string out_of_range_message(const std::string& argument, const std::string& expected, const std::string& received);

enum class Dtype { F32, F16, Int8 };

struct SimilarityInput {
  const float* queries;  // query_count × dimension
  int64_t query_count;
  Dtype dtype;
  const void* data;      // count × dimension of float, uint16_t (binary16) or int8_t
  const float* scales;   // count, for Int8 only
  int64_t count;
  int64_t dimension;
  int32_t k;
};

/** A stored matrix as the kernels read it: count × dimension values of `dtype`, plus int8 scales. */
struct StoreView {
  Dtype dtype;
  const void* data;     // count × dimension of float, uint16_t (binary16) or int8_t
  const float* scales;  // count, for Int8 only
  int64_t count;
  int64_t dimension;
};

/** Where a resident index keeps its vectors. */
enum class Residency {
  Shared,  // reads the caller's arrays in place (CPU; Metal when the arrays wrap without a copy)
  Copy,    // one host (unified) copy made at creation (Metal when the arrays are not page-aligned)
  Device,  // uploaded once to device memory (CUDA)
};

/**
 * A backend's resident form of one vector store. create_index fills `residency` and `state` once;
 * search_index may then run any number of times, concurrently, from worker threads; destroy_index
 * runs once, after the last search has finished. The N-API layer keeps the caller's arrays alive
 * (and `store` valid) for as long as `residency` is Shared; otherwise `store.data` and
 * `store.scales` are released after creation and a backend must not read them again.
 */
struct ResidentIndex {
  StoreView store{};
  Residency residency = Residency::Shared;
  void* state = nullptr;  // owned by the backend: device buffers (CUDA), MTLBuffers (Metal), unused on the CPU
};

struct TopKOutput {
  int32_t* indices;  // query_count × k, best first, padded with -1
  float* scores;     // query_count × k, padded with -infinity
};

/**
 * The fused PMI pass of a resident index: each stored row's logit for a query is
 * scale · (query · row) − offsets[row] (offsets null: no per-row term). The top k are selected by that
 * logit, and over every row the pass also accumulates log Σ exp(logit), Σ logit and Σ logit², so the
 * softmax normaliser and the background's moments come from the same single read of the store.
 */
struct LogitTransform {
  float scale;
  const float* offsets;  // count values, or nullptr
};

struct LogitMoments {
  double* log_sum_exp;  // query_count
  double* sum;          // query_count
  double* sum_squares;  // query_count
};

struct Capabilities {
  bool f32, f16, int8;
  bool unified_memory;
  int threads;
};

/** Kernel entry points. Every pointer is set; a backend may route a kernel to the CPU implementation. */
struct Backend {
  const char* name;
  Capabilities (*capabilities)();
  /** Initialises the device once; on failure fills `reason` (e.g. "no CUDA device") and returns false. */
  bool (*init)(std::string& device, std::string& reason);
  void (*similarity_topk)(const SimilarityInput& input, TopKOutput& output);
  void (*log_sum_exp)(const float* matrix, int64_t rows, int64_t columns, bool over_rows, double* result);
  /** count_x / count_y: feature_count × n, feature-major. */
  void (*ksg_counts)(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                     int32_t* count_x, int32_t* count_y);
  void (*ross_counts)(const int32_t* labels, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                      int32_t* neighbour_count, int32_t* k_used, int32_t* label_count);
  void (*joint_histogram)(const int32_t* a, const int32_t* b, int64_t n, int64_t a_levels, int64_t b_levels, double* counts);
  /** Benchmark helper: reads every byte once with the kernels' threading; the floor for any scan. */
  double (*read_sum)(const void* data, int64_t bytes);
  /** Makes `index.store` resident (wraps, copies or uploads it); throws KernelError, leaving nothing allocated. */
  void (*create_index)(ResidentIndex& index);
  /** similarity_topk against a resident store: same results, ordering, padding and NaN errors. */
  void (*search_index)(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output);
  /** search_index with the logit transform, plus the per-query moments over every row (LogitTransform). */
  void (*search_index_logits)(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                              TopKOutput& output, LogitMoments& moments);
  /** Frees what create_index allocated; never throws. */
  void (*destroy_index)(ResidentIndex& index);
};

/** The one-shot kernel input for a search of a resident index that reads the caller's memory. */
inline SimilarityInput similarity_input(const StoreView& store, const float* queries, int64_t query_count, int32_t k) {
  return SimilarityInput{queries, query_count, store.dtype, store.data, store.scales, store.count, store.dimension, k};
}

struct RegistryEntry {
  std::string name;
  bool built = false;
  bool available = false;
  std::string device;
  std::string reason;
  const Backend* backend = nullptr;
};

/** Every backend this addon knows, built or not, each initialised at most once. */
const std::vector<RegistryEntry>& registry();
/** The named backend if built and available; otherwise throws KernelError saying why. */
const Backend& require_backend(const std::string& name);

// Backends compiled into this addon (native/<name>/).
extern const Backend cpu_backend;
#ifdef MILENS_WITH_CUDA
extern const Backend cuda_backend;
#endif
#ifdef MILENS_WITH_METAL
extern const Backend metal_backend;
#endif

}  // namespace milens

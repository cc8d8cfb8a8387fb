// The N-API surface of the compute addon (node-addon-api, C++ exceptions on). Each kernel call checks
// its arguments with guard clauses (so a direct call from JavaScript can never crash the process),
// allocates its result typed arrays on the main thread, keeps references to the input and output
// arrays, and runs the kernel in a Napi::AsyncWorker; the returned promise settles on the main thread.
// Inputs are read in place: the addon copies no stored vectors. (A GPU backend's similarityTopK still
// moves the store to the device on every call; the resident index of vector_index.cc does so once.)
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../cpu/buffer.h"
#include "../cpu/cmi.h"
#include "../cpu/cpu_kernels.h"
#include "../cpu/digamma.h"
#include "../cpu/parallel.h"
#include "allocator_tuning.h"
#include "backend.h"
#include "napi_support.h"
#include "vector_index.h"
#include "energy_bindings.h"

namespace milens {
namespace {

using namespace milens::napi;

// ---------------------------------------------------------------------------------------------------

class SimilarityWorker : public TopKWorker {
 public:
  SimilarityWorker(Napi::Env env, const Backend& backend, SimilarityInput input, Napi::Int32Array indices, Napi::Float32Array scores)
      : TopKWorker(env, "milens.similarityTopK", indices, scores), backend_(backend), input_(input) {}

 protected:
  void Run() override { backend_.similarity_topk(input_, output_); }

 private:
  const Backend& backend_;
  SimilarityInput input_;
};

Napi::Value SimilarityTopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 9) throw Napi::TypeError::New(env, "similarityTopK expects 9 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Float32Array queries = typed_argument<float>(info, 1, "queries", napi_float32_array, "Float32Array");
  const int64_t query_count = integer_argument(info, 2, "queryCount", 0, INT32_MAX);
  if (!info[3].IsString()) throw_type(env, "store.dtype", "a string", info[3]);
  const int64_t count = integer_argument(info, 6, "store.count", 0, INT32_MAX);
  const int64_t dimension = integer_argument(info, 7, "store.dimension", 1, 65536);
  const int64_t k = integer_argument(info, 8, "k", 1, 4096);
  SimilarityInput input{};
  input.query_count = query_count;
  input.count = count;
  input.dimension = dimension;
  input.k = static_cast<int32_t>(k);
  input.scales = nullptr;
  require_length(env, queries, "queries", query_count * dimension);
  input.queries = queries.Data();
  require_finite_queries(env, input.queries, query_count * dimension);
  StoreView store{Dtype::F32, nullptr, nullptr, count, dimension};
  store_arrays(info, info[3], 4, 5, store);
  input.dtype = store.dtype;
  input.data = store.data;
  input.scales = store.scales;
  Napi::Int32Array indices = Napi::Int32Array::New(env, static_cast<size_t>(query_count * k));
  Napi::Float32Array scores = Napi::Float32Array::New(env, static_cast<size_t>(query_count * k));
  auto* worker = new SimilarityWorker(env, backend, input, indices, scores);
  worker->Keep(queries);
  worker->Keep(info[4]);
  if (input.dtype == Dtype::Int8) worker->Keep(info[5]);
  return worker->Queue();
}

// ---------------------------------------------------------------------------------------------------

class LogSumExpWorker : public KernelWorker {
 public:
  LogSumExpWorker(Napi::Env env, const Backend& backend, const float* matrix, int64_t rows, int64_t columns, bool over_rows, Napi::Float64Array result)
      : KernelWorker(env, "milens.logSumExp"), backend_(backend), matrix_(matrix), rows_(rows), columns_(columns), over_rows_(over_rows),
        result_(Napi::Persistent(result)), out_(result.Data()) {}

 protected:
  void Run() override { backend_.log_sum_exp(matrix_, rows_, columns_, over_rows_, out_); }
  Napi::Value Result(Napi::Env) override { return result_.Value(); }

 private:
  const Backend& backend_;
  const float* matrix_;
  int64_t rows_, columns_;
  bool over_rows_;
  Napi::Reference<Napi::Float64Array> result_;
  double* out_;
};

Napi::Value LogSumExp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "logSumExp expects 5 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Float32Array matrix = typed_argument<float>(info, 1, "matrix", napi_float32_array, "Float32Array");
  const int64_t rows = integer_argument(info, 2, "rows", 0, INT32_MAX);
  const int64_t columns = integer_argument(info, 3, "columns", 0, INT32_MAX);
  if (!info[4].IsBoolean()) throw_type(env, "overRows", "a boolean", info[4]);
  const bool over_rows = info[4].As<Napi::Boolean>().Value();
  require_length(env, matrix, "matrix", rows * columns);
  Napi::Float64Array result = Napi::Float64Array::New(env, static_cast<size_t>(over_rows ? rows : columns));
  auto* worker = new LogSumExpWorker(env, backend, matrix.Data(), rows, columns, over_rows, result);
  worker->Keep(matrix);
  return worker->Queue();
}

// ---------------------------------------------------------------------------------------------------

/** Reads the features array: each a Float64Array of length n; pointers stay valid while kept. */
/**
 * Every value of `array` finite, else a RangeError naming the element (`name[i]`). The façade leaves
 * these element checks to the addon (main/compute/validate.ts), so this is the only place they run.
 */
void require_finite(Napi::Env env, const std::string& name, const Napi::Float64Array& array) {
  const double* values = array.Data();
  const int64_t n = static_cast<int64_t>(array.ElementLength());
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) throw_range(env, name + "[" + std::to_string(i) + "]", "a finite number", Napi::Number::New(env, values[i]));
  }
}

std::vector<const double*> feature_pointers(const Napi::CallbackInfo& info, size_t index, int64_t n, KernelWorker* keep_in,
                                           bool finite_only = true) {
  Napi::Env env = info.Env();
  if (!info[index].IsArray()) throw_type(env, "features", "an array of Float64Array", info[index]);
  Napi::Array array = info[index].As<Napi::Array>();
  std::vector<const double*> pointers;
  for (uint32_t f = 0; f < array.Length(); ++f) {
    Napi::Value value = array.Get(f);
    const std::string name = "features[" + std::to_string(f) + "]";
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, name, "a Float64Array", value);
    Napi::Float64Array feature = value.As<Napi::Float64Array>();
    if (static_cast<int64_t>(feature.ElementLength()) != n) throw_range(env, name, "a Float64Array of " + std::to_string(n) + " values (the target's length)", value);
    if (finite_only) require_finite(env, name, feature);
    pointers.push_back(feature.Data());
    if (keep_in) keep_in->Keep(feature);
  }
  return pointers;
}

Napi::Array split_counts(Napi::Env env, const std::vector<std::pair<const char*, Napi::Int32Array>>& outputs, int64_t feature_count, int64_t n) {
  Napi::Array result = Napi::Array::New(env, static_cast<size_t>(feature_count));
  for (int64_t f = 0; f < feature_count; ++f) {
    Napi::Object entry = Napi::Object::New(env);
    for (const auto& [name, array] : outputs) {
      // Views into one buffer per output kind: no copy, each feature gets its own n-long Int32Array.
      entry.Set(name, Napi::Int32Array::New(env, static_cast<size_t>(n), array.ArrayBuffer(), static_cast<size_t>(f * n * 4)));
    }
    result.Set(static_cast<uint32_t>(f), entry);
  }
  return result;
}

/** The two count outputs of a KSG worker, one buffer of features × n each: kept alive for Result, raw pointers for Run. */
struct KsgCountOutputs {
  Napi::Reference<Napi::Int32Array> count_x_, count_y_;
  int32_t *count_x_data_ = nullptr, *count_y_data_ = nullptr;  // raw pointers: no N-API calls off the main thread
  void allocate(Napi::Env env, size_t total) {
    Napi::Int32Array count_x = Napi::Int32Array::New(env, total), count_y = Napi::Int32Array::New(env, total);
    count_x_ = Napi::Persistent(count_x);
    count_y_ = Napi::Persistent(count_y);
    count_x_data_ = count_x.Data();
    count_y_data_ = count_y.Data();
  }
};

class KsgWorker : public KernelWorker, public KsgCountOutputs {
 public:
  KsgWorker(Napi::Env env, const Backend& backend) : KernelWorker(env, "milens.ksgCounts"), backend_(backend) {}
  const Backend& backend_;
  const double* target_ = nullptr;
  int64_t n_ = 0;
  int32_t k_ = 1;
  std::vector<const double*> features_;
  std::vector<double> mean_digamma_;  // per feature: mean ψ(countX + 1), mean ψ(countY + 1)
  // Means only (the caller passed counts = false): the counts go to this worker's own buffer, freed when
  // Run ends, instead of arrays handed to JavaScript, which the garbage collector frees some time after
  // the caller drops them (8 bytes a row a feature, held into the next call of a tall table's run).
  bool means_only_ = false;

 protected:
  void Run() override {
    const int64_t feature_count = static_cast<int64_t>(features_.size());
    cpu::Buffer<int32_t> own_counts;  // left uninitialised: its pages are touched only as the kernel writes them
    if (means_only_) {
      own_counts.resize(2 * static_cast<size_t>(feature_count) * static_cast<size_t>(n_));
      count_x_data_ = own_counts.data();
      count_y_data_ = own_counts.data() + static_cast<size_t>(feature_count) * static_cast<size_t>(n_);
    }
    run_kernel(feature_count);
    if (means_only_) count_x_data_ = count_y_data_ = nullptr;  // own_counts goes with this scope
  }
  void run_kernel(int64_t feature_count) {
    backend_.ksg_counts(target_, n_, features_.data(), feature_count, k_, count_x_data_, count_y_data_);
    // The estimator's digamma means, here on the worker threads instead of the JavaScript thread.
    mean_digamma_.assign(2 * feature_count, 0);
    if (n_ == 0) return;
    cpu::parallel_for(0, 2 * feature_count, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        const int32_t* counts = (task % 2 == 0 ? count_x_data_ : count_y_data_) + (task / 2) * n_;
        mean_digamma_[task] = cpu::mean_digamma_of_counts(counts, n_, 1);
      }
    });
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = means_only_ ? Napi::Array::New(env, features_.size())
                                     : split_counts(env, {{"countX", count_x_.Value()}, {"countY", count_y_.Value()}}, static_cast<int64_t>(features_.size()), n_);
    if (means_only_) {
      for (size_t f = 0; f < features_.size(); ++f) {
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("countX", Napi::Int32Array::New(env, 0));
        entry.Set("countY", Napi::Int32Array::New(env, 0));
        result.Set(static_cast<uint32_t>(f), entry);
      }
    }
    for (size_t f = 0; f < features_.size() && n_ > 0; ++f) {
      Napi::Object entry = result.Get(static_cast<uint32_t>(f)).As<Napi::Object>();
      entry.Set("meanDigammaX", Napi::Number::New(env, mean_digamma_[2 * f]));
      entry.Set("meanDigammaY", Napi::Number::New(env, mean_digamma_[2 * f + 1]));
    }
    return result;
  }
};

Napi::Value KsgCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 && info.Length() != 5) {
    throw Napi::TypeError::New(env, "ksgCounts expects 4 or 5 arguments but received " + std::to_string(info.Length()));
  }
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Float64Array target = typed_argument<double>(info, 1, "target", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(target.ElementLength());
  require_finite(env, "target", target);
  auto* worker = new KsgWorker(env, backend);
  try {
    worker->features_ = feature_pointers(info, 2, n, worker);
    const int64_t k = integer_argument(info, 3, "k", 1, INT32_MAX);
    if (!worker->features_.empty() && k > n - 1) {
      throw_range(env, "k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", info[3]);
    }
    worker->k_ = static_cast<int32_t>(k);
    // The fifth argument, `counts`: false asks for the digamma means only (empty count arrays).
    if (info.Length() == 5 && !info[4].IsUndefined()) {
      if (!info[4].IsBoolean()) throw_type(env, "counts", "a boolean", info[4]);
      worker->means_only_ = !info[4].As<Napi::Boolean>().Value();
    }
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  worker->target_ = target.Data();
  worker->n_ = n;
  if (!worker->means_only_) worker->allocate(env, worker->features_.size() * static_cast<size_t>(n));
  worker->Keep(target);
  return worker->Queue();
}

/**
 * The common head of the complete-rows bindings: (backend, target, features with missing cells allowed,
 * then the binding's own arguments, read by `read_more`). Returns a new Worker with its target and
 * features set and kept, or throws with nothing queued and nothing leaked.
 */
template <class Worker, class ReadMore>
Worker* complete_rows_worker(const Napi::CallbackInfo& info, const std::string& name, size_t arguments, ReadMore&& read_more) {
  Napi::Env env = info.Env();
  if (info.Length() != arguments) {
    throw Napi::TypeError::New(env, name + " expects " + std::to_string(arguments) + " arguments but received " + std::to_string(info.Length()));
  }
  backend_for(env, backend_argument(info));
  Napi::Float64Array target = typed_argument<double>(info, 1, "target", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(target.ElementLength());
  auto* worker = new Worker(env);
  try {
    worker->features_ = feature_pointers(info, 2, n, worker, false);
    read_more(*worker);
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  worker->target_ = target.Data();
  worker->n_ = n;
  worker->Keep(target);
  return worker;
}

// KSG counts of pairs with missing cells (native/cpu/ksg.cc, ksg_counts_on_complete_rows): computed on
// the CPU whichever backend is named (the name is still checked). ksgCountsOnCompleteRows(backend,
// target, features, k) takes columns with NaN or ±Infinity where a cell is missing and resolves to one
// { rows, countX, countY, meanDigammaX, meanDigammaY } per feature: the counts of its complete rows (the
// pair's `rows`, in row order), what ksgCounts gives on the pair picked out first; no counts and no
// means where rows ≤ k.
class KsgCompleteRowsWorker : public KernelWorker, public KsgCountOutputs {
 public:
  explicit KsgCompleteRowsWorker(Napi::Env env) : KernelWorker(env, "milens.ksgCountsOnCompleteRows") {}
  const double* target_ = nullptr;
  int64_t n_ = 0;
  int32_t k_ = 1;
  std::vector<const double*> features_;
  std::vector<int64_t> rows_kept_;
  std::vector<double> mean_digamma_;  // per feature: mean ψ(countX + 1), mean ψ(countY + 1)

 protected:
  void Run() override {
    const int64_t feature_count = static_cast<int64_t>(features_.size());
    rows_kept_.assign(feature_count, 0);
    cpu::ksg_counts_on_complete_rows(target_, n_, features_.data(), feature_count, k_, rows_kept_.data(), count_x_data_, count_y_data_);
    mean_digamma_.assign(2 * feature_count, 0);
    cpu::parallel_for(0, 2 * feature_count, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) {
        const int64_t rows = rows_kept_[task / 2];
        if (rows <= k_) continue;
        const int32_t* counts = (task % 2 == 0 ? count_x_data_ : count_y_data_) + (task / 2) * n_;
        mean_digamma_[task] = cpu::mean_digamma_of_counts(counts, rows, 1);
      }
    });
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = Napi::Array::New(env, features_.size());
    Napi::Int32Array count_x = count_x_.Value(), count_y = count_y_.Value();
    for (size_t f = 0; f < features_.size(); ++f) {
      const int64_t rows = rows_kept_[f];
      const size_t length = rows > k_ ? static_cast<size_t>(rows) : 0;
      const size_t offset = f * static_cast<size_t>(n_) * sizeof(int32_t);
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
      entry.Set("countX", Napi::Int32Array::New(env, length, count_x.ArrayBuffer(), offset));
      entry.Set("countY", Napi::Int32Array::New(env, length, count_y.ArrayBuffer(), offset));
      if (length > 0) {
        entry.Set("meanDigammaX", Napi::Number::New(env, mean_digamma_[2 * f]));
        entry.Set("meanDigammaY", Napi::Number::New(env, mean_digamma_[2 * f + 1]));
      }
      result.Set(static_cast<uint32_t>(f), entry);
    }
    return result;
  }
};

Napi::Value KsgCountsOnCompleteRows(const Napi::CallbackInfo& info) {
  auto* worker = complete_rows_worker<KsgCompleteRowsWorker>(info, "ksgCountsOnCompleteRows", 4, [&](KsgCompleteRowsWorker& ksg) {
    ksg.k_ = static_cast<int32_t>(integer_argument(info, 3, "k", 1, INT32_MAX));
  });
  worker->allocate(info.Env(), worker->features_.size() * static_cast<size_t>(worker->n_));
  return worker->Queue();
}

// Correlation measures have one implementation, on the CPU, whichever backend is named: the backend
// argument is still checked, so that every kernel takes and validates the same first argument.
class CorrelationWorker : public KernelWorker {
 public:
  explicit CorrelationWorker(Napi::Env env) : KernelWorker(env, "milens.correlations") {}
  const double* target_ = nullptr;
  int64_t n_ = 0;
  std::vector<const double*> features_;
  Napi::Reference<Napi::Float64Array> measures_;
  double* measures_data_ = nullptr;

 protected:
  void Run() override { cpu::correlation_measures(target_, n_, features_.data(), static_cast<int64_t>(features_.size()), measures_data_); }
  Napi::Value Result(Napi::Env) override { return measures_.Value(); }
};

Napi::Value Correlations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "correlations expects 3 arguments but received " + std::to_string(info.Length()));
  backend_for(env, backend_argument(info));
  Napi::Float64Array target = typed_argument<double>(info, 1, "target", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(target.ElementLength());
  require_finite(env, "target", target);
  auto* worker = new CorrelationWorker(env);
  try {
    worker->features_ = feature_pointers(info, 2, n, worker);
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  Napi::Float64Array measures = Napi::Float64Array::New(env, worker->features_.size() * 3);
  worker->target_ = target.Data();
  worker->n_ = n;
  worker->measures_ = Napi::Persistent(measures);
  worker->measures_data_ = measures.Data();
  worker->Keep(target);
  return worker->Queue();
}

// correlationsOnCompleteRows(backend, target, features): the correlations of pairs with missing cells
// (native/cpu/correlation.cc, correlation_measures_on_complete_rows), on the CPU whichever backend is
// named. Columns hold NaN or ±Infinity where a cell is missing; resolves to { measures, rows }: 3 values
// per feature as correlations gives them on the pair picked out first, and each pair's row count.
class CorrelationCompleteRowsWorker : public KernelWorker {
 public:
  explicit CorrelationCompleteRowsWorker(Napi::Env env) : KernelWorker(env, "milens.correlationsOnCompleteRows") {}
  const double* target_ = nullptr;
  int64_t n_ = 0;
  std::vector<const double*> features_;
  std::vector<int64_t> rows_kept_;
  Napi::Reference<Napi::Float64Array> measures_;
  double* measures_data_ = nullptr;

 protected:
  void Run() override {
    rows_kept_.assign(features_.size(), 0);
    cpu::correlation_measures_on_complete_rows(target_, n_, features_.data(), static_cast<int64_t>(features_.size()), measures_data_,
                                               rows_kept_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Float64Array rows = Napi::Float64Array::New(env, rows_kept_.size());
    for (size_t f = 0; f < rows_kept_.size(); ++f) rows[f] = static_cast<double>(rows_kept_[f]);
    Napi::Object result = Napi::Object::New(env);
    result.Set("measures", measures_.Value());
    result.Set("rows", rows);
    return result;
  }
};

Napi::Value CorrelationsOnCompleteRows(const Napi::CallbackInfo& info) {
  auto* worker = complete_rows_worker<CorrelationCompleteRowsWorker>(info, "correlationsOnCompleteRows", 3, [](CorrelationCompleteRowsWorker&) {});
  Napi::Float64Array measures = Napi::Float64Array::New(info.Env(), worker->features_.size() * 3);
  worker->measures_ = Napi::Persistent(measures);
  worker->measures_data_ = measures.Data();
  return worker->Queue();
}

// ---------------------------------------------------------------------------------------------------
// Permutation tests of KSG (native/cpu/ksg.cc, ksg_permutation_means): computed on the CPU whichever
// backend is named (the name is still checked). ksgPermutationMeans(backend, target, features, k, seeds,
// cancel) resolves to a Float64Array of 2 · seeds.length · features.length means (per shuffle, per
// feature: mean ψ(countX + 1), mean ψ(countY + 1)), or null when cancel[0] was set non-zero while it
// ran (cancel: a Uint8Array the caller keeps and writes to; polled between tasks).
class KsgPermutationWorker : public KernelWorker {
 public:
  explicit KsgPermutationWorker(Napi::Env env) : KernelWorker(env, "milens.ksgPermutationMeans") {}
  const double* target_ = nullptr;
  int64_t n_ = 0;
  int32_t k_ = 1;
  std::vector<const double*> features_;
  std::vector<uint32_t> seeds_;
  const volatile uint8_t* cancel_ = nullptr;
  Napi::Reference<Napi::Float64Array> means_;
  double* means_data_ = nullptr;
  bool finished_ = false;

 protected:
  void Run() override {
    finished_ = cpu::ksg_permutation_means(target_, n_, features_.data(), static_cast<int64_t>(features_.size()), k_, seeds_.data(),
                                           static_cast<int64_t>(seeds_.size()), means_data_, cancel_);
  }
  Napi::Value Result(Napi::Env env) override { return finished_ ? Napi::Value(means_.Value()) : env.Null(); }
};

Napi::Value KsgPermutationMeans(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "ksgPermutationMeans expects 6 arguments but received " + std::to_string(info.Length()));
  backend_for(env, backend_argument(info));
  Napi::Float64Array target = typed_argument<double>(info, 1, "target", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(target.ElementLength());
  require_finite(env, "target", target);
  Napi::Uint32Array seeds = typed_argument<uint32_t>(info, 4, "seeds", napi_uint32_array, "Uint32Array");
  Napi::Uint8Array cancel = typed_argument<uint8_t>(info, 5, "cancel", napi_uint8_array, "Uint8Array");
  if (cancel.ElementLength() < 1) throw_range(env, "cancel", "a Uint8Array of at least 1 element", info[5]);
  auto* worker = new KsgPermutationWorker(env);
  try {
    worker->features_ = feature_pointers(info, 2, n, worker);
    const int64_t k = integer_argument(info, 3, "k", 1, INT32_MAX);
    if (!worker->features_.empty() && seeds.ElementLength() > 0 && k > n - 1) {
      throw_range(env, "k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", info[3]);
    }
    worker->k_ = static_cast<int32_t>(k);
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  worker->seeds_.assign(seeds.Data(), seeds.Data() + seeds.ElementLength());
  worker->target_ = target.Data();
  worker->n_ = n;
  worker->cancel_ = cancel.Data();
  Napi::Float64Array means = Napi::Float64Array::New(env, 2 * worker->seeds_.size() * worker->features_.size());
  worker->means_ = Napi::Persistent(means);
  worker->means_data_ = means.Data();
  worker->Keep(target);
  worker->Keep(cancel);
  return worker->Queue();
}

/** Test helper: scratch bytes held by permutation kernels in flight (0 once every call has ended). */
/** numericCsvBytesRead(): bytes the CSV reader's two passes have read in this process so far (progress). */
Napi::Value NumericCsvBytesRead(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cpu::numeric_csv_bytes_read()));
}

Napi::Value PermutationScratchBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cpu::permutation_scratch_in_use()));
}

// ---------------------------------------------------------------------------------------------------
// Complete rows of (a, b) pairs for the MI engine; not a backend kernel. pickCompleteRows(a, bs) resolves
// to one { a, b } per column of bs: the values of a and of that column at the rows where both are finite,
// in row order (views of the first `count` elements of n-long buffers). The JavaScript thread then never
// walks the rows of a pair with missing cells.
class PickRowsWorker : public KernelWorker {
 public:
  explicit PickRowsWorker(Napi::Env env) : KernelWorker(env, "milens.pickCompleteRows") {}
  const double* a_ = nullptr;
  int64_t n_ = 0;
  std::vector<const double*> bs_;
  Napi::Reference<Napi::Float64Array> picked_a_, picked_b_;
  double *picked_a_data_ = nullptr, *picked_b_data_ = nullptr;
  std::vector<int64_t> counts_;

 protected:
  void Run() override {
    counts_.assign(bs_.size(), 0);
    cpu::parallel_tasks(static_cast<int64_t>(bs_.size()), [&](int, int64_t c) {
      const double* b = bs_[c];
      double* out_a = picked_a_data_ + c * n_;
      double* out_b = picked_b_data_ + c * n_;
      int64_t count = 0;
      for (int64_t i = 0; i < n_; ++i) {
        out_a[count] = a_[i];
        out_b[count] = b[i];
        count += (a_[i] - a_[i] == 0) & (b[i] - b[i] == 0);  // both finite (NaN and ±Infinity fail)
      }
      counts_[c] = count;
    });
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = Napi::Array::New(env, bs_.size());
    Napi::Float64Array picked_a = picked_a_.Value(), picked_b = picked_b_.Value();
    for (size_t c = 0; c < bs_.size(); ++c) {
      Napi::Object entry = Napi::Object::New(env);
      const size_t offset = c * static_cast<size_t>(n_) * sizeof(double);
      entry.Set("a", Napi::Float64Array::New(env, static_cast<size_t>(counts_[c]), picked_a.ArrayBuffer(), offset));
      entry.Set("b", Napi::Float64Array::New(env, static_cast<size_t>(counts_[c]), picked_b.ArrayBuffer(), offset));
      result.Set(static_cast<uint32_t>(c), entry);
    }
    return result;
  }
};

Napi::Value PickCompleteRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw Napi::TypeError::New(env, "pickCompleteRows expects 2 arguments but received " + std::to_string(info.Length()));
  Napi::Float64Array a = typed_argument<double>(info, 0, "a", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(a.ElementLength());
  if (!info[1].IsArray()) throw_type(env, "bs", "an array of Float64Array", info[1]);
  Napi::Array array = info[1].As<Napi::Array>();
  auto* worker = new PickRowsWorker(env);
  try {
    for (uint32_t c = 0; c < array.Length(); ++c) {
      Napi::Value value = array.Get(c);
      const std::string name = "bs[" + std::to_string(c) + "]";
      if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, name, "a Float64Array", value);
      Napi::Float64Array column = value.As<Napi::Float64Array>();
      if (static_cast<int64_t>(column.ElementLength()) != n) throw_range(env, name, "a Float64Array as long as a", value);
      worker->bs_.push_back(column.Data());
      worker->Keep(column);
    }
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  worker->a_ = a.Data();
  worker->n_ = n;
  const size_t total = worker->bs_.size() * static_cast<size_t>(n);
  Napi::Float64Array picked_a = Napi::Float64Array::New(env, total), picked_b = Napi::Float64Array::New(env, total);
  worker->picked_a_ = Napi::Persistent(picked_a);
  worker->picked_b_ = Napi::Persistent(picked_b);
  worker->picked_a_data_ = picked_a.Data();
  worker->picked_b_data_ = picked_b.Data();
  worker->Keep(a);
  return worker->Queue();
}

// pickCompleteCodeRows(a, bs, dense): pickCompleteRows for pairs where either side may be discrete codes
// (Ross and plug-in pairs): a and each column of bs a Float64Array (missing where not finite) or an
// Int32Array of codes (missing where < 0); each { a, b } holds the values of both at the rows where both
// are present, in row order, each of its input's type. With dense, picked codes are renumbered 0, 1, … in
// order of first appearance (the TypeScript denseCodes), so labels that lost every row leave no gap.
class PickCodeRowsWorker : public KernelWorker {
 public:
  explicit PickCodeRowsWorker(Napi::Env env) : KernelWorker(env, "milens.pickCompleteCodeRows") {}
  /** One column: its data, whether it holds codes (int32) or numbers (double), and its output buffer. */
  struct Column {
    const void* data = nullptr;
    bool codes = false;
    void* out = nullptr;
    Napi::Reference<Napi::TypedArray> out_array;
  };
  int64_t n_ = 0;
  bool dense_ = false;
  Column a_;
  std::vector<Column> bs_;
  std::vector<Column> outs_a_;  // a picked once per column of bs (only `out` used)
  std::vector<int64_t> counts_;

  static bool present(const Column& column, int64_t i) {
    if (column.codes) return static_cast<const int32_t*>(column.data)[i] >= 0;
    const double value = static_cast<const double*>(column.data)[i];
    return value - value == 0;  // NaN and ±Infinity fail
  }
  /** Copies the rows where `keep` is 1 into `out`, renumbering codes densely when asked. */
  void pick(const Column& column, void* out, const std::vector<uint8_t>& keep) const {
    int64_t count = 0;
    if (!column.codes) {
      const double* values = static_cast<const double*>(column.data);
      double* target = static_cast<double*>(out);
      for (int64_t i = 0; i < n_; ++i) {
        target[count] = values[i];
        count += keep[i];
      }
      return;
    }
    const int32_t* codes = static_cast<const int32_t*>(column.data);
    int32_t* target = static_cast<int32_t*>(out);
    for (int64_t i = 0; i < n_; ++i) {
      target[count] = codes[i];
      count += keep[i];
    }
    if (!dense_) return;
    int32_t largest = -1;
    for (int64_t j = 0; j < count; ++j) largest = std::max(largest, target[j]);
    std::vector<int32_t> mapping(static_cast<size_t>(largest) + 1, -1);
    int32_t next = 0;
    for (int64_t j = 0; j < count; ++j) {
      int32_t& mapped = mapping[target[j]];
      if (mapped < 0) mapped = next++;
      target[j] = mapped;
    }
  }

 protected:
  void Run() override {
    counts_.assign(bs_.size(), 0);
    cpu::parallel_tasks(static_cast<int64_t>(bs_.size()), [&](int, int64_t c) {
      std::vector<uint8_t> keep(static_cast<size_t>(n_));
      int64_t count = 0;
      for (int64_t i = 0; i < n_; ++i) {
        keep[i] = present(a_, i) & present(bs_[c], i);
        count += keep[i];
      }
      pick(a_, outs_a_[c].out, keep);
      pick(bs_[c], bs_[c].out, keep);
      counts_[c] = count;
    });
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = Napi::Array::New(env, bs_.size());
    auto view = [&](Column& column, int64_t count) -> Napi::Value {
      Napi::TypedArray array = column.out_array.Value();
      if (column.codes) return Napi::Int32Array::New(env, static_cast<size_t>(count), array.ArrayBuffer(), 0);
      return Napi::Float64Array::New(env, static_cast<size_t>(count), array.ArrayBuffer(), 0);
    };
    for (size_t c = 0; c < bs_.size(); ++c) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("a", view(outs_a_[c], counts_[c]));
      entry.Set("b", view(bs_[c], counts_[c]));
      result.Set(static_cast<uint32_t>(c), entry);
    }
    return result;
  }
};

Napi::Value PickCompleteCodeRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "pickCompleteCodeRows expects 3 arguments but received " + std::to_string(info.Length()));
  auto column_of = [&](const Napi::Value& value, const std::string& name) {
    if (!value.IsTypedArray()) throw_type(env, name, "a Float64Array or an Int32Array", value);
    const Napi::TypedArray array = value.As<Napi::TypedArray>();
    PickCodeRowsWorker::Column column;
    if (array.TypedArrayType() == napi_float64_array) column.data = array.As<Napi::Float64Array>().Data();
    else if (array.TypedArrayType() == napi_int32_array) {
      column.data = array.As<Napi::Int32Array>().Data();
      column.codes = true;
    } else throw_type(env, name, "a Float64Array or an Int32Array", value);
    return column;
  };
  /** A fresh output of the column's type and length n, kept by the column. */
  auto allocate = [&](PickCodeRowsWorker::Column& column, int64_t n) {
    if (column.codes) {
      Napi::Int32Array out = Napi::Int32Array::New(env, static_cast<size_t>(n));
      column.out = out.Data();
      column.out_array = Napi::Persistent(out.As<Napi::TypedArray>());
    } else {
      Napi::Float64Array out = Napi::Float64Array::New(env, static_cast<size_t>(n));
      column.out = out.Data();
      column.out_array = Napi::Persistent(out.As<Napi::TypedArray>());
    }
  };
  auto* worker = new PickCodeRowsWorker(env);
  try {
    worker->a_ = column_of(info[0], "a");
    const int64_t n = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
    worker->Keep(info[0]);
    if (!info[1].IsArray()) throw_type(env, "bs", "an array of Float64Array or Int32Array", info[1]);
    if (!info[2].IsBoolean()) throw_type(env, "dense", "a boolean", info[2]);
    worker->dense_ = info[2].As<Napi::Boolean>().Value();
    Napi::Array array = info[1].As<Napi::Array>();
    for (uint32_t c = 0; c < array.Length(); ++c) {
      Napi::Value value = array.Get(c);
      const std::string name = "bs[" + std::to_string(c) + "]";
      PickCodeRowsWorker::Column column = column_of(value, name);
      if (static_cast<int64_t>(value.As<Napi::TypedArray>().ElementLength()) != n) throw_range(env, name, "a column as long as a", value);
      worker->Keep(value);
      worker->bs_.push_back(std::move(column));
    }
    worker->n_ = n;
    worker->outs_a_.resize(worker->bs_.size());
    for (size_t c = 0; c < worker->bs_.size(); ++c) {
      worker->outs_a_[c].codes = worker->a_.codes;
      allocate(worker->outs_a_[c], n);
      allocate(worker->bs_[c], n);
    }
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  return worker->Queue();
}

// The CSV reader's all-numbers fast path (native/cpu/csv_numbers.cc); not a backend kernel, so it takes
// no backend name. scanNumericCsv counts each part's rows; the caller allocates the columns, and
// parseNumericCsvFile parses every part straight into them on the worker threads (no copy afterwards),
// resolving to each column's count of values that are not finite numbers (missing cells are NaN), or
// null when it declines.
class CsvScanWorker : public KernelWorker {
 public:
  explicit CsvScanWorker(Napi::Env env) : KernelWorker(env, "milens.scanNumericCsv") {}
  std::string path_;
  int64_t offset_ = 0, parts_ = 0, max_bytes_ = 0;
  bool accepted_ = false;
  cpu::CsvPlan plan_;

 protected:
  void Run() override { accepted_ = cpu::scan_numeric_csv(path_, offset_, parts_, max_bytes_, plan_); }
  Napi::Value Result(Napi::Env env) override {
    if (!accepted_) return env.Null();
    Napi::Float64Array cuts = Napi::Float64Array::New(env, plan_.cuts.size());
    Napi::Float64Array rows = Napi::Float64Array::New(env, plan_.rows.size());
    std::copy(plan_.cuts.begin(), plan_.cuts.end(), cuts.Data());
    std::copy(plan_.rows.begin(), plan_.rows.end(), rows.Data());
    Napi::Object plan = Napi::Object::New(env);
    plan.Set("size", Napi::Number::New(env, static_cast<double>(plan_.size)));
    plan.Set("cuts", cuts);
    plan.Set("rows", rows);
    return plan;
  }
};

Napi::Value ScanNumericCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "scanNumericCsv expects 4 arguments but received " + std::to_string(info.Length()));
  if (!info[0].IsString()) throw_type(env, "path", "a string", info[0]);
  auto* worker = new CsvScanWorker(env);
  worker->path_ = info[0].As<Napi::String>().Utf8Value();
  try {
    worker->offset_ = integer_argument(info, 1, "offset", 1, INT64_C(1) << 52);
    worker->parts_ = integer_argument(info, 2, "parts", 0, 4096);
    worker->max_bytes_ = integer_argument(info, 3, "maxBytes", 0, INT64_C(1) << 52);
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  return worker->Queue();
}

class CsvParseWorker : public KernelWorker {
 public:
  explicit CsvParseWorker(Napi::Env env) : KernelWorker(env, "milens.parseNumericCsvFile") {}
  std::string path_;
  cpu::CsvPlan plan_;
  std::vector<double*> columns_;  // raw pointers: no N-API calls off the main thread
  char delimiter_ = ',';
  bool accepted_ = false;
  std::vector<int64_t> non_finite_;

 protected:
  void Run() override {
    non_finite_.assign(columns_.size(), 0);
    accepted_ = cpu::parse_numeric_csv(path_, plan_, static_cast<int64_t>(columns_.size()), delimiter_, columns_.data(), non_finite_.data());
  }
  /** Per column, how many of its values are not finite (a missing cell's NaN, ±Infinity); null when the file was declined. */
  Napi::Value Result(Napi::Env env) override {
    if (!accepted_) return env.Null();
    Napi::Float64Array non_finite = Napi::Float64Array::New(env, non_finite_.size());
    std::copy(non_finite_.begin(), non_finite_.end(), non_finite.Data());
    return non_finite;
  }
};

/** An array of non-negative integers held in plan[name] (a Float64Array), checked one by one. */
std::vector<int64_t> plan_integers(const Napi::Env& env, const Napi::Object& plan, const char* name, int64_t maximum) {
  const Napi::Value value = plan.Get(name);
  const std::string label = std::string("plan.") + name;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, label, "a Float64Array", value);
  const Napi::Float64Array array = value.As<Napi::Float64Array>();
  std::vector<int64_t> integers(array.ElementLength());
  for (size_t i = 0; i < integers.size(); ++i) {
    const double number = array.Data()[i];
    if (!(number >= 0 && number <= static_cast<double>(maximum)) || std::floor(number) != number) {
      throw_range(env, label + "[" + std::to_string(i) + "]", "an integer from 0 to " + std::to_string(maximum), Napi::Number::New(env, number));
    }
    integers[i] = static_cast<int64_t>(number);
  }
  return integers;
}

/** The plan scanNumericCsv returned: parts + 1 rising cuts from 1 to the size, and a row count per part. */
cpu::CsvPlan plan_argument(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (!info[index].IsObject()) throw_type(env, "plan", "an object", info[index]);
  const Napi::Object object = info[index].As<Napi::Object>();
  const Napi::Value size = object.Get("size");
  if (!size.IsNumber()) throw_type(env, "plan.size", "an integer", size);
  cpu::CsvPlan plan;
  const double size_number = size.As<Napi::Number>().DoubleValue();
  if (!(size_number >= 1 && size_number <= static_cast<double>(INT64_C(1) << 52)) || std::floor(size_number) != size_number) {
    throw_range(env, "plan.size", "a positive integer", size);
  }
  plan.size = static_cast<int64_t>(size_number);
  plan.cuts = plan_integers(env, object, "cuts", plan.size);
  plan.rows = plan_integers(env, object, "rows", plan.size);
  if (plan.rows.empty() || plan.cuts.size() != plan.rows.size() + 1) throw_range(env, "plan.cuts", "one entry more than plan.rows", object.Get("cuts"));
  bool rising = plan.cuts.front() >= 1 && plan.cuts.back() == plan.size;
  for (size_t p = 0; p + 1 < plan.cuts.size(); ++p) rising = rising && plan.cuts[p] <= plan.cuts[p + 1];
  if (!rising) throw_range(env, "plan.cuts", "offsets rising from 1 to plan.size", object.Get("cuts"));
  return plan;
}

Napi::Value ParseNumericCsvFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "parseNumericCsvFile expects 4 arguments but received " + std::to_string(info.Length()));
  if (!info[0].IsString()) throw_type(env, "path", "a string", info[0]);
  cpu::CsvPlan plan = plan_argument(info, 1);
  int64_t rows = 0;
  for (int64_t part_rows : plan.rows) rows += part_rows;
  if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() == 0) throw_type(env, "columns", "a non-empty array of Float64Array", info[2]);
  if (!info[3].IsString() || info[3].As<Napi::String>().Utf8Value().size() != 1) throw_type(env, "delimiter", "a one-character string", info[3]);
  Napi::Array array = info[2].As<Napi::Array>();
  auto* worker = new CsvParseWorker(env);
  try {
    for (uint32_t c = 0; c < array.Length(); ++c) {
      const Napi::Value value = array.Get(c);
      const std::string name = "columns[" + std::to_string(c) + "]";
      if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, name, "a Float64Array", value);
      Napi::Float64Array column = value.As<Napi::Float64Array>();
      if (static_cast<int64_t>(column.ElementLength()) != rows) throw_range(env, name, "a Float64Array of " + std::to_string(rows) + " values (the plan's rows)", value);
      worker->columns_.push_back(column.Data());
      worker->Keep(column);
    }
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  worker->path_ = info[0].As<Napi::String>().Utf8Value();
  worker->plan_ = std::move(plan);
  worker->delimiter_ = info[3].As<Napi::String>().Utf8Value()[0];
  return worker->Queue();
}

// The tie rule (native/cpu/tie_rule.cc) for the MI engine; not a backend kernel. Resolves to one entry per
// column: { values, tiedRows, rankFallback } (values a view into one shared buffer), or null for a
// constant column.
class TieRuleWorker : public KernelWorker {
 public:
  explicit TieRuleWorker(Napi::Env env) : KernelWorker(env, "milens.prepareContinuous") {}
  std::vector<const double*> columns_;
  std::vector<uint32_t> seeds_;
  int64_t n_ = 0;
  Napi::Reference<Napi::Float64Array> prepared_;
  double* prepared_data_ = nullptr;
  std::vector<cpu::TieRuleOutcome> outcomes_;

 protected:
  void Run() override {
    outcomes_.assign(columns_.size(), cpu::TieRuleOutcome{});
    cpu::prepare_continuous(columns_.data(), seeds_.data(), static_cast<int64_t>(columns_.size()), n_, prepared_data_, outcomes_.data());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array result = Napi::Array::New(env, columns_.size());
    Napi::Float64Array prepared = prepared_.Value();
    for (size_t c = 0; c < columns_.size(); ++c) {
      const cpu::TieRuleOutcome& outcome = outcomes_[c];
      if (!outcome.accepted) {
        result.Set(static_cast<uint32_t>(c), env.Null());
        continue;
      }
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("values", Napi::Float64Array::New(env, static_cast<size_t>(n_), prepared.ArrayBuffer(), c * static_cast<size_t>(n_) * sizeof(double)));
      entry.Set("tiedRows", Napi::Number::New(env, static_cast<double>(outcome.tied_rows)));
      entry.Set("rankFallback", Napi::Boolean::New(env, outcome.rank_fallback));
      result.Set(static_cast<uint32_t>(c), entry);
    }
    return result;
  }
};

Napi::Value PrepareContinuous(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 && info.Length() != 3) {
    throw Napi::TypeError::New(env, "prepareContinuous expects 2 or 3 arguments but received " + std::to_string(info.Length()));
  }
  if (!info[0].IsArray()) throw_type(env, "columns", "an array of Float64Array", info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) throw_type(env, "seeds", "a Uint32Array", info[1]);
  Napi::Array array = info[0].As<Napi::Array>();
  Napi::Uint32Array seeds = info[1].As<Napi::Uint32Array>();
  if (seeds.ElementLength() != array.Length()) throw_range(env, "seeds", "one seed per column", info[1]);
  auto* worker = new TieRuleWorker(env);
  try {
    for (uint32_t c = 0; c < array.Length(); ++c) {
      Napi::Value value = array.Get(c);
      const std::string name = "columns[" + std::to_string(c) + "]";
      if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, name, "a Float64Array", value);
      Napi::Float64Array column = value.As<Napi::Float64Array>();
      if (c == 0) worker->n_ = static_cast<int64_t>(column.ElementLength());
      if (static_cast<int64_t>(column.ElementLength()) != worker->n_) throw_range(env, name, "a Float64Array as long as columns[0]", value);
      worker->columns_.push_back(column.Data());
      worker->seeds_.push_back(seeds.Data()[c]);
      worker->Keep(column);
    }
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  // The third argument, `into`: a Float64Array of columns × n values written over (a tall run hands back
  // the previous feature's, so that a new column is not allocated while the old one awaits the garbage
  // collector); otherwise a new one.
  const size_t total = worker->columns_.size() * static_cast<size_t>(worker->n_);
  Napi::Float64Array prepared;
  if (info.Length() == 3 && !info[2].IsUndefined()) {
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[2].As<Napi::Float64Array>().ElementLength() != total) {
      delete worker;
      throw_type(env, "into", "a Float64Array of " + std::to_string(total) + " values (columns × rows)", info[2]);
    }
    prepared = info[2].As<Napi::Float64Array>();
  } else {
    prepared = Napi::Float64Array::New(env, total);
  }
  worker->prepared_ = Napi::Persistent(prepared);
  worker->prepared_data_ = prepared.Data();
  return worker->Queue();
}

class RossWorker : public KernelWorker {
 public:
  RossWorker(Napi::Env env, const Backend& backend) : KernelWorker(env, "milens.rossCounts"), backend_(backend) {}
  const Backend& backend_;
  const int32_t* labels_ = nullptr;
  int64_t n_ = 0;
  int32_t k_ = 1;
  std::vector<const double*> features_;
  Napi::Reference<Napi::Int32Array> neighbour_, k_used_, label_count_;
  int32_t *neighbour_data_ = nullptr, *k_used_data_ = nullptr, *label_count_data_ = nullptr;

 protected:
  void Run() override {
    backend_.ross_counts(labels_, n_, features_.data(), static_cast<int64_t>(features_.size()), k_, neighbour_data_, k_used_data_, label_count_data_);
  }
  Napi::Value Result(Napi::Env env) override {
    return split_counts(env, {{"neighbourCount", neighbour_.Value()}, {"kUsed", k_used_.Value()}, {"labelCount", label_count_.Value()}},
                        static_cast<int64_t>(features_.size()), n_);
  }
};

Napi::Value RossCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "rossCounts expects 4 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Int32Array labels = typed_argument<int32_t>(info, 1, "labels", napi_int32_array, "Int32Array");
  const int64_t n = static_cast<int64_t>(labels.ElementLength());
  for (int64_t i = 0; i < n; ++i) {
    if (labels.Data()[i] < 0) throw_range(env, "labels[" + std::to_string(i) + "]", "an integer code of at least 0", Napi::Number::New(env, labels.Data()[i]));
  }
  auto* worker = new RossWorker(env, backend);
  try {
    worker->features_ = feature_pointers(info, 2, n, worker);
    worker->k_ = static_cast<int32_t>(integer_argument(info, 3, "k", 1, INT32_MAX));
  } catch (...) {
    delete worker;
    throw;
  }
  const size_t total = worker->features_.size() * static_cast<size_t>(n);
  worker->labels_ = labels.Data();
  worker->n_ = n;
  Napi::Int32Array neighbour = Napi::Int32Array::New(env, total), k_used = Napi::Int32Array::New(env, total),
                   label_count = Napi::Int32Array::New(env, total);
  worker->neighbour_ = Napi::Persistent(neighbour);
  worker->k_used_ = Napi::Persistent(k_used);
  worker->label_count_ = Napi::Persistent(label_count);
  worker->neighbour_data_ = neighbour.Data();
  worker->k_used_data_ = k_used.Data();
  worker->label_count_data_ = label_count.Data();
  worker->Keep(labels);
  return worker->Queue();
}


// ---- conditional MI: Frenzel–Pompe counts (native/cpu/cmi.cc) -------------------------------------

/** An array of 1..kMaxGivenColumns Float64Array, each of n finite values, kept by the worker. */
std::vector<const double*> given_pointers(const Napi::CallbackInfo& info, size_t index, int64_t n, KernelWorker* keep_in) {
  Napi::Env env = info.Env();
  if (!info[index].IsArray()) throw_type(env, "given", "an array of Float64Array", info[index]);
  Napi::Array array = info[index].As<Napi::Array>();
  if (array.Length() < 1 || array.Length() > static_cast<uint32_t>(cpu::kMaxGivenColumns)) {
    throw_range(env, "given", "an array of 1 to " + std::to_string(cpu::kMaxGivenColumns) + " Float64Array", info[index]);
  }
  std::vector<const double*> pointers;
  for (uint32_t d = 0; d < array.Length(); ++d) {
    Napi::Value value = array.Get(d);
    const std::string name = "given[" + std::to_string(d) + "]";
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw_type(env, name, "a Float64Array", value);
    Napi::Float64Array column = value.As<Napi::Float64Array>();
    if (static_cast<int64_t>(column.ElementLength()) != n) throw_range(env, name, "a Float64Array of " + std::to_string(n) + " values (the target's length)", value);
    require_finite(env, name, column);
    pointers.push_back(column.Data());
    keep_in->Keep(column);
  }
  return pointers;
}

class FrenzelPompeWorker : public KernelWorker {
 public:
  FrenzelPompeWorker(Napi::Env env, const Backend& backend) : KernelWorker(env, "milens.frenzelPompeCounts"), backend_(backend) {}
  const Backend& backend_;
  const double* target_ = nullptr;
  int64_t n_ = 0;
  int32_t k_ = 1;
  std::vector<const double*> given_, features_;
  Napi::Reference<Napi::Int32Array> count_xz_, count_yz_, count_z_;
  int32_t *count_xz_data_ = nullptr, *count_yz_data_ = nullptr, *count_z_data_ = nullptr;
  std::vector<double> mean_digamma_;  // per feature: mean ψ(count + 1) of xz, yz, z

 protected:
  void Run() override {
    const int64_t feature_count = static_cast<int64_t>(features_.size());
    backend_.frenzel_pompe_counts(target_, n_, given_.data(), static_cast<int64_t>(given_.size()), features_.data(), feature_count, k_,
                                  count_xz_data_, count_yz_data_, count_z_data_);
    mean_digamma_.assign(3 * feature_count, 0);
    if (n_ == 0) return;
    int32_t* outputs[3] = {count_xz_data_, count_yz_data_, count_z_data_};
    cpu::parallel_for(0, 3 * feature_count, 1, [&](int, int64_t from, int64_t to) {
      for (int64_t task = from; task < to; ++task) mean_digamma_[task] = cpu::mean_digamma_of_counts(outputs[task % 3] + (task / 3) * n_, n_, 1);
    });
  }
  Napi::Value Result(Napi::Env env) override {
    const int64_t feature_count = static_cast<int64_t>(features_.size());
    Napi::Array result =
        split_counts(env, {{"countXZ", count_xz_.Value()}, {"countYZ", count_yz_.Value()}, {"countZ", count_z_.Value()}}, feature_count, n_);
    for (int64_t f = 0; f < feature_count && n_ > 0; ++f) {
      Napi::Object entry = result.Get(static_cast<uint32_t>(f)).As<Napi::Object>();
      entry.Set("meanDigammaXZ", Napi::Number::New(env, mean_digamma_[3 * f]));
      entry.Set("meanDigammaYZ", Napi::Number::New(env, mean_digamma_[3 * f + 1]));
      entry.Set("meanDigammaZ", Napi::Number::New(env, mean_digamma_[3 * f + 2]));
    }
    return result;
  }
};

Napi::Value FrenzelPompeCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "frenzelPompeCounts expects 5 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Float64Array target = typed_argument<double>(info, 1, "target", napi_float64_array, "Float64Array");
  const int64_t n = static_cast<int64_t>(target.ElementLength());
  require_finite(env, "target", target);
  auto* worker = new FrenzelPompeWorker(env, backend);
  try {
    worker->given_ = given_pointers(info, 2, n, worker);
    worker->features_ = feature_pointers(info, 3, n, worker);
    const int64_t k = integer_argument(info, 4, "k", 1, INT32_MAX);
    if (!worker->features_.empty() && k > n - 1) {
      throw_range(env, "k", "an integer from 1 to " + std::to_string(n - 1) + " (one less than the number of points)", info[4]);
    }
    worker->k_ = static_cast<int32_t>(k);
  } catch (...) {
    delete worker;  // never queued: nothing else owns it
    throw;
  }
  const size_t total = worker->features_.size() * static_cast<size_t>(n);
  worker->target_ = target.Data();
  worker->n_ = n;
  Napi::Int32Array count_xz = Napi::Int32Array::New(env, total), count_yz = Napi::Int32Array::New(env, total),
                   count_z = Napi::Int32Array::New(env, total);
  worker->count_xz_ = Napi::Persistent(count_xz);
  worker->count_yz_ = Napi::Persistent(count_yz);
  worker->count_z_ = Napi::Persistent(count_z);
  worker->count_xz_data_ = count_xz.Data();
  worker->count_yz_data_ = count_yz.Data();
  worker->count_z_data_ = count_z.Data();
  worker->Keep(target);
  return worker->Queue();
}

// ---- end of conditional MI ------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------

class HistogramWorker : public KernelWorker {
 public:
  HistogramWorker(Napi::Env env, const Backend& backend) : KernelWorker(env, "milens.jointHistogram"), backend_(backend) {}
  const Backend& backend_;
  const int32_t *a_ = nullptr, *b_ = nullptr;
  int64_t n_ = 0, a_levels_ = 1, b_levels_ = 1;
  Napi::Reference<Napi::Float64Array> counts_;
  double* out_ = nullptr;

 protected:
  void Run() override { backend_.joint_histogram(a_, b_, n_, a_levels_, b_levels_, out_); }
  Napi::Value Result(Napi::Env) override { return counts_.Value(); }
};

Napi::Value JointHistogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "jointHistogram expects 5 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  Napi::Int32Array a = typed_argument<int32_t>(info, 1, "a", napi_int32_array, "Int32Array");
  Napi::Int32Array b = typed_argument<int32_t>(info, 2, "b", napi_int32_array, "Int32Array");
  require_length(env, b, "b", static_cast<int64_t>(a.ElementLength()));
  const int64_t a_levels = integer_argument(info, 3, "aLevels", 1, INT32_MAX);
  const int64_t b_levels = integer_argument(info, 4, "bLevels", 1, INT32_MAX);
  if (a_levels * b_levels > (int64_t{1} << 26)) throw_range(env, "bLevels", "an integer with aLevels × bLevels at most 67108864", info[4]);
  Napi::Float64Array counts = Napi::Float64Array::New(env, static_cast<size_t>(a_levels * b_levels));
  auto* worker = new HistogramWorker(env, backend);
  worker->a_ = a.Data();
  worker->b_ = b.Data();
  worker->n_ = static_cast<int64_t>(a.ElementLength());
  worker->a_levels_ = a_levels;
  worker->b_levels_ = b_levels;
  worker->out_ = counts.Data();
  worker->counts_ = Napi::Persistent(counts);
  worker->Keep(a);
  worker->Keep(b);
  return worker->Queue();
}

// ---------------------------------------------------------------------------------------------------

class ReadSumWorker : public KernelWorker {
 public:
  ReadSumWorker(Napi::Env env, const Backend& backend, const void* data, int64_t bytes)
      : KernelWorker(env, "milens.readBandwidthSum"), backend_(backend), data_(data), bytes_(bytes) {}

 protected:
  void Run() override { sum_ = backend_.read_sum(data_, bytes_); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, sum_); }

 private:
  const Backend& backend_;
  const void* data_;
  int64_t bytes_;
  double sum_ = 0;
};

Napi::Value ReadBandwidthSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw Napi::TypeError::New(env, "readBandwidthSum expects 2 arguments but received " + std::to_string(info.Length()));
  const Backend& backend = backend_for(env, backend_argument(info));
  if (!info[1].IsTypedArray()) throw_type(env, "data", "a typed array", info[1]);
  Napi::TypedArray array = info[1].As<Napi::TypedArray>();
  const uint8_t* base = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  auto* worker = new ReadSumWorker(env, backend, base, static_cast<int64_t>(array.ByteLength()));
  worker->Keep(array);
  return worker->Queue();
}

// ---------------------------------------------------------------------------------------------------

Napi::Value Backends(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<RegistryEntry>& entries = registry();
  Napi::Array result = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const RegistryEntry& entry = entries[i];
    Napi::Object object = Napi::Object::New(env);
    object.Set("name", entry.name);
    object.Set("built", entry.built);
    object.Set("available", entry.available);
    if (!entry.device.empty()) object.Set("device", entry.device);
    if (!entry.reason.empty()) object.Set("reason", entry.reason);
    const Capabilities capabilities = entry.backend ? entry.backend->capabilities() : Capabilities{false, false, false, false, 0};
    object.Set("threads", capabilities.threads);
    object.Set("unifiedMemory", capabilities.unified_memory);
    Napi::Array dtypes = Napi::Array::New(env);
    uint32_t at = 0;
    if (capabilities.f32) dtypes.Set(at++, "f32");
    if (capabilities.f16) dtypes.Set(at++, "f16");
    if (capabilities.int8) dtypes.Set(at++, "int8");
    object.Set("similarityDtypes", dtypes);
    result.Set(static_cast<uint32_t>(i), object);
  }
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_allocator_for_kernels();
  exports.Set("backends", Napi::Function::New(env, Backends, "backends"));
  exports.Set("similarityTopK", Napi::Function::New(env, SimilarityTopK, "similarityTopK"));
  exports.Set("logSumExp", Napi::Function::New(env, LogSumExp, "logSumExp"));
  exports.Set("ksgCounts", Napi::Function::New(env, KsgCounts, "ksgCounts"));
  exports.Set("correlations", Napi::Function::New(env, Correlations, "correlations"));
  exports.Set("correlationsOnCompleteRows", Napi::Function::New(env, CorrelationsOnCompleteRows, "correlationsOnCompleteRows"));
  exports.Set("ksgCountsOnCompleteRows", Napi::Function::New(env, KsgCountsOnCompleteRows, "ksgCountsOnCompleteRows"));
  exports.Set("ksgPermutationMeans", Napi::Function::New(env, KsgPermutationMeans, "ksgPermutationMeans"));
  exports.Set("pickCompleteRows", Napi::Function::New(env, PickCompleteRows, "pickCompleteRows"));
  exports.Set("pickCompleteCodeRows", Napi::Function::New(env, PickCompleteCodeRows, "pickCompleteCodeRows"));
  exports.Set("permutationScratchBytes", Napi::Function::New(env, PermutationScratchBytes, "permutationScratchBytes"));
  exports.Set("scanNumericCsv", Napi::Function::New(env, ScanNumericCsv, "scanNumericCsv"));
  exports.Set("numericCsvBytesRead", Napi::Function::New(env, NumericCsvBytesRead, "numericCsvBytesRead"));
  exports.Set("parseNumericCsvFile", Napi::Function::New(env, ParseNumericCsvFile, "parseNumericCsvFile"));
  exports.Set("prepareContinuous", Napi::Function::New(env, PrepareContinuous, "prepareContinuous"));
  exports.Set("rossCounts", Napi::Function::New(env, RossCounts, "rossCounts"));
  exports.Set("frenzelPompeCounts", Napi::Function::New(env, FrenzelPompeCounts, "frenzelPompeCounts"));  // conditional MI
  exports.Set("jointHistogram", Napi::Function::New(env, JointHistogram, "jointHistogram"));
  exports.Set("readBandwidthSum", Napi::Function::New(env, ReadBandwidthSum, "readBandwidthSum"));
  init_vector_index(env, exports);
  init_energy_counters(env, exports);
  return exports;
}

}  // namespace
}  // namespace milens

static Napi::Object InitComputeAddon(Napi::Env env, Napi::Object exports) { return milens::Init(env, exports); }

NODE_API_MODULE(milens_compute, InitComputeAddon)

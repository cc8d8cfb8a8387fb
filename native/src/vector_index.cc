// The resident vector index (Napi::ObjectWrap). createVectorIndex checks its arguments on the main
// thread, makes the wrapper object, and runs the backend's create_index in a worker (CUDA uploads the
// store there; the CPU and Metal wrap the caller's arrays). search() runs search_index in a worker per
// call; only the queries and the top-k results are copied.
//
// Lifetime: the backend handle lives in an IndexState shared (std::shared_ptr) by the wrapper and by
// every queued or running search. dispose() and garbage collection of the wrapper drop the wrapper's
// share; the backend's destroy_index runs when the last share goes, so a search in flight finishes on
// memory that is still there. Every share is taken and dropped on the main thread (workers are made
// there and deleted there after they settle), so no lock is needed. While the backend reads the
// caller's memory (Residency::Shared) the state keeps the caller's typed arrays referenced, and each
// search first checks they are still attached and unchanged in place and length.
#include "vector_index.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend.h"
#include "napi_support.h"

namespace milens {
namespace {

using namespace milens::napi;

constexpr const char* kDisposedMessage = "Cannot search a disposed vector index: create a new one with createVectorIndex(store)";
constexpr const char* kChangedStoreMessage =
    "Cannot search the vector index: the store's arrays were detached or resized after createVectorIndex(store); "
    "they must stay unchanged while the index lives";

/** Resident indexes created and not yet destroyed, over every backend and environment: for leak tests. */
std::atomic<int64_t> live_indexes{0};

const char* residency_name(Residency residency) {
  switch (residency) {
    case Residency::Shared: return "shared";
    case Residency::Copy: return "copy";
    case Residency::Device: return "device";
  }
  return "shared";
}

/** A caller's typed array the backend reads in place, and where its bytes were at creation. */
struct HeldArray {
  Napi::Reference<Napi::TypedArray> array;
  const void* data;
  size_t bytes;

  /** False once the array was detached (transferred) or its buffer resized or moved. */
  bool unchanged() const {
    if (bytes == 0) return true;  // nothing is read from an empty array
    const Napi::TypedArray value = array.Value();
    Napi::ArrayBuffer buffer = value.ArrayBuffer();
    if (buffer.IsDetached()) return false;
    const void* now = static_cast<const uint8_t*>(buffer.Data()) + value.ByteOffset();
    return now == data && value.ByteLength() == bytes;
  }
};

HeldArray hold(const Napi::Value& value) {
  const Napi::TypedArray array = value.As<Napi::TypedArray>();
  const void* data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  return HeldArray{Napi::Persistent(array), data, array.ByteLength()};
}

/** The backend handle of one index, shared by the wrapper and by the searches in flight. */
struct IndexState {
  IndexState(const Backend& backend, StoreView store) : backend(backend) { index.store = store; }
  IndexState(const IndexState&) = delete;
  IndexState& operator=(const IndexState&) = delete;
  ~IndexState() {
    // The backend's buffers go first, then (as members) the references to the arrays they may wrap.
    if (!created) return;
    backend.destroy_index(index);
    live_indexes.fetch_sub(1);
  }

  const Backend& backend;
  ResidentIndex index;
  bool created = false;
  std::vector<HeldArray> held;
};

/** Per-environment data: the VectorIndex constructor, for createVectorIndex to instantiate. */
struct VectorIndexClass {
  Napi::FunctionReference constructor;
};

/** The state a VectorIndex under construction takes; set only while createVectorIndex calls `new`. */
thread_local std::shared_ptr<IndexState>* pending_state = nullptr;

class VectorIndex : public Napi::ObjectWrap<VectorIndex> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VectorIndex",
                       {
                           InstanceMethod<&VectorIndex::Search>("search"),
                           InstanceMethod<&VectorIndex::SearchLogits>("searchLogits"),
                           InstanceMethod<&VectorIndex::Dispose>("dispose"),
                           InstanceAccessor<&VectorIndex::GetBackend>("backend"),
                           InstanceAccessor<&VectorIndex::GetDtype>("dtype"),
                           InstanceAccessor<&VectorIndex::GetCount>("count"),
                           InstanceAccessor<&VectorIndex::GetDimension>("dimension"),
                           InstanceAccessor<&VectorIndex::GetResidency>("residency"),
                           InstanceAccessor<&VectorIndex::GetDisposed>("disposed"),
                       });
  }

  explicit VectorIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VectorIndex>(info) {
    if (pending_state == nullptr) throw Napi::TypeError::New(info.Env(), "VectorIndex objects are made by createVectorIndex(), not with new");
    state_ = *pending_state;
    store_ = state_->index.store;
  }

  /** Called on the main thread once create_index succeeded. */
  void Created(Residency residency, std::string backend_name, std::string dtype_name) {
    residency_ = residency;
    backend_name_ = std::move(backend_name);
    dtype_name_ = std::move(dtype_name);
  }

 private:
  Napi::Value Search(const Napi::CallbackInfo& info);
  Napi::Value SearchLogits(const Napi::CallbackInfo& info);
  /** The checks every search makes before queuing: not disposed, queries finite and sized, store unchanged. */
  Napi::Float32Array CheckedQueries(const Napi::CallbackInfo& info, size_t expected_arguments, const char* method, int64_t& query_count,
                                    int64_t& k);

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    state_.reset();  // idempotent; the handle is freed when the last search in flight lets go of it
    return info.Env().Undefined();
  }

  Napi::Value GetBackend(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), backend_name_); }
  Napi::Value GetDtype(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), dtype_name_); }
  Napi::Value GetCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(store_.count)); }
  Napi::Value GetDimension(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(store_.dimension)); }
  Napi::Value GetResidency(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), residency_name(residency_)); }
  Napi::Value GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_ == nullptr); }

  std::shared_ptr<IndexState> state_;
  StoreView store_{};
  Residency residency_ = Residency::Shared;
  std::string backend_name_;
  std::string dtype_name_;
};

class CreateIndexWorker : public KernelWorker {
 public:
  CreateIndexWorker(Napi::Env env, std::shared_ptr<IndexState> state, Napi::Object wrapper, std::string backend_name, std::string dtype_name)
      : KernelWorker(env, "milens.createVectorIndex"), state_(std::move(state)), wrapper_(Napi::Persistent(wrapper)),
        backend_name_(std::move(backend_name)), dtype_name_(std::move(dtype_name)) {}

 protected:
  void Run() override {
    state_->backend.create_index(state_->index);
    state_->created = true;
    live_indexes.fetch_add(1);
  }

  Napi::Value Result(Napi::Env) override {
    // A backend that copied or uploaded the store no longer needs the caller's arrays.
    if (state_->index.residency != Residency::Shared) state_->held.clear();
    Napi::Object wrapper = wrapper_.Value();
    VectorIndex::Unwrap(wrapper)->Created(state_->index.residency, backend_name_, dtype_name_);
    return wrapper;
  }

 private:
  std::shared_ptr<IndexState> state_;
  Napi::ObjectReference wrapper_;
  std::string backend_name_;
  std::string dtype_name_;
};

class SearchIndexWorker : public TopKWorker {
 public:
  SearchIndexWorker(Napi::Env env, std::shared_ptr<IndexState> state, const float* queries, int64_t query_count, int32_t k,
                    Napi::Int32Array indices, Napi::Float32Array scores)
      : TopKWorker(env, "milens.VectorIndex.search", indices, scores), state_(std::move(state)), queries_(queries), query_count_(query_count),
        k_(k) {}

 protected:
  void Run() override { state_->backend.search_index(state_->index, queries_, query_count_, k_, output_); }

 private:
  std::shared_ptr<IndexState> state_;
  const float* queries_;
  int64_t query_count_;
  int32_t k_;
};

/** A fused PMI search's result: the top k by logit and, per query, log Σ exp, Σ and Σ² of every logit. */
class SearchLogitsWorker : public TopKWorker {
 public:
  SearchLogitsWorker(Napi::Env env, std::shared_ptr<IndexState> state, const float* queries, int64_t query_count, int32_t k, LogitTransform transform,
                     Napi::Int32Array indices, Napi::Float32Array scores, Napi::Float64Array moments)
      : TopKWorker(env, "milens.VectorIndex.searchLogits", indices, scores), state_(std::move(state)), queries_(queries),
        query_count_(query_count), k_(k), transform_(transform), moments_array_(Napi::Persistent(moments)),
        moments_{moments.Data(), moments.Data() + query_count, moments.Data() + 2 * query_count} {}

 protected:
  void Run() override { state_->backend.search_index_logits(state_->index, queries_, query_count_, k_, transform_, output_, moments_); }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = TopKWorker::Result(env).As<Napi::Object>();
    const Napi::Float64Array moments = moments_array_.Value();
    const size_t bytes = static_cast<size_t>(query_count_) * sizeof(double);
    result.Set("logSumExp", Napi::Float64Array::New(env, query_count_, moments.ArrayBuffer(), 0));
    result.Set("sum", Napi::Float64Array::New(env, query_count_, moments.ArrayBuffer(), bytes));
    result.Set("sumSquares", Napi::Float64Array::New(env, query_count_, moments.ArrayBuffer(), 2 * bytes));
    return result;
  }

 private:
  std::shared_ptr<IndexState> state_;
  const float* queries_;
  int64_t query_count_;
  int32_t k_;
  LogitTransform transform_;
  Napi::Reference<Napi::Float64Array> moments_array_;
  LogitMoments moments_;
};

Napi::Float32Array VectorIndex::CheckedQueries(const Napi::CallbackInfo& info, size_t expected_arguments, const char* method, int64_t& query_count,
                                               int64_t& k) {
  Napi::Env env = info.Env();
  if (!state_) throw Napi::Error::New(env, kDisposedMessage);
  if (info.Length() != expected_arguments)
    throw Napi::TypeError::New(env, std::string(method) + " expects " + std::to_string(expected_arguments) + " arguments but received " +
                                        std::to_string(info.Length()));
  Napi::Float32Array queries = typed_argument<float>(info, 0, "queries", napi_float32_array, "Float32Array");
  query_count = integer_argument(info, 1, "queryCount", 0, INT32_MAX);
  k = integer_argument(info, 2, "k", 1, 4096);
  require_length(env, queries, "queries", query_count * store_.dimension);
  require_finite_queries(env, queries.Data(), query_count * store_.dimension);
  for (const HeldArray& held : state_->held) {
    if (!held.unchanged()) throw Napi::Error::New(env, kChangedStoreMessage);
  }
  return queries;
}

Napi::Value VectorIndex::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t query_count = 0, k = 0;
  Napi::Float32Array queries = CheckedQueries(info, 3, "search", query_count, k);
  Napi::Int32Array indices = Napi::Int32Array::New(env, static_cast<size_t>(query_count * k));
  Napi::Float32Array scores = Napi::Float32Array::New(env, static_cast<size_t>(query_count * k));
  auto* worker = new SearchIndexWorker(env, state_, queries.Data(), query_count, static_cast<int32_t>(k), indices, scores);
  worker->Keep(queries);
  return worker->Queue();
}

/** searchLogits(queries, queryCount, k, scale, offsets | null): the fused PMI pass (backend.h LogitTransform). */
Napi::Value VectorIndex::SearchLogits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t query_count = 0, k = 0;
  Napi::Float32Array queries = CheckedQueries(info, 5, "searchLogits", query_count, k);
  if (!info[3].IsNumber()) throw_type(env, "scale", "a positive finite number", info[3]);
  const double scale = info[3].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(scale) || scale <= 0) throw_range(env, "scale", "a positive finite number", info[3]);
  const float* offsets = nullptr;
  Napi::Float32Array offsets_array;
  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    offsets_array = typed_argument<float>(info, 4, "offsets", napi_float32_array, "Float32Array or null");
    require_length(env, offsets_array, "offsets", store_.count);
    for (size_t i = 0; i < offsets_array.ElementLength(); ++i) {
      if (!std::isfinite(offsets_array[i]))
        throw_range(env, "offsets[" + std::to_string(i) + "]", "a finite number", Napi::Number::New(env, offsets_array[i]));
    }
    offsets = offsets_array.Data();
  }
  Napi::Int32Array indices = Napi::Int32Array::New(env, static_cast<size_t>(query_count * k));
  Napi::Float32Array scores = Napi::Float32Array::New(env, static_cast<size_t>(query_count * k));
  Napi::Float64Array moments = Napi::Float64Array::New(env, static_cast<size_t>(3 * query_count));
  auto* worker = new SearchLogitsWorker(env, state_, queries.Data(), query_count, static_cast<int32_t>(k),
                                        LogitTransform{static_cast<float>(scale), offsets}, indices, scores, moments);
  worker->Keep(queries);
  if (offsets != nullptr) worker->Keep(offsets_array);
  return worker->Queue();
}

/** createVectorIndex(backend, dtype, data, scales, count, dimension): Promise<VectorIndex>. */
Napi::Value CreateVectorIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "createVectorIndex expects 6 arguments but received " + std::to_string(info.Length()));
  const std::string backend_name = backend_argument(info);
  const Backend& backend = backend_for(env, backend_name);
  StoreView store{Dtype::F32, nullptr, nullptr, 0, 1};
  store.count = integer_argument(info, 4, "store.count", 0, INT32_MAX);
  store.dimension = integer_argument(info, 5, "store.dimension", 1, 65536);
  store_arrays(info, info[1], 2, 3, store);
  const std::string dtype_name = info[1].As<Napi::String>().Utf8Value();

  auto state = std::make_shared<IndexState>(backend, store);
  state->held.push_back(hold(info[2]));
  if (store.dtype == Dtype::Int8) state->held.push_back(hold(info[3]));

  VectorIndexClass* data = env.GetInstanceData<VectorIndexClass>();
  if (data == nullptr) throw Napi::Error::New(env, "the VectorIndex class is not initialised in this environment");
  struct PendingGuard {
    explicit PendingGuard(std::shared_ptr<IndexState>* state) { pending_state = state; }
    ~PendingGuard() { pending_state = nullptr; }
  };
  Napi::Object wrapper;
  {
    PendingGuard guard(&state);
    wrapper = data->constructor.New(std::vector<napi_value>{});
  }
  auto* worker = new CreateIndexWorker(env, std::move(state), wrapper, backend_name, dtype_name);
  return worker->Queue();
}

Napi::Value LiveVectorIndexes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(live_indexes.load()));
}

}  // namespace

void init_vector_index(Napi::Env env, Napi::Object exports) {
  auto* data = new VectorIndexClass{Napi::Persistent(VectorIndex::Define(env))};
  env.SetInstanceData<VectorIndexClass>(data);
  exports.Set("createVectorIndex", Napi::Function::New(env, CreateVectorIndex, "createVectorIndex"));
  exports.Set("liveVectorIndexes", Napi::Function::New(env, LiveVectorIndexes, "liveVectorIndexes"));
}

}  // namespace milens

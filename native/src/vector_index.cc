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

Napi::Value VectorIndex::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!state_) throw Napi::Error::New(env, kDisposedMessage);
  if (info.Length() != 3) throw Napi::TypeError::New(env, "search expects 3 arguments but received " + std::to_string(info.Length()));
  Napi::Float32Array queries = typed_argument<float>(info, 0, "queries", napi_float32_array, "Float32Array");
  const int64_t query_count = integer_argument(info, 1, "queryCount", 0, INT32_MAX);
  const int64_t k = integer_argument(info, 2, "k", 1, 4096);
  require_length(env, queries, "queries", query_count * store_.dimension);
  require_finite_queries(env, queries.Data(), query_count * store_.dimension);
  for (const HeldArray& held : state_->held) {
    if (!held.unchanged()) throw Napi::Error::New(env, kChangedStoreMessage);
  }
  Napi::Int32Array indices = Napi::Int32Array::New(env, static_cast<size_t>(query_count * k));
  Napi::Float32Array scores = Napi::Float32Array::New(env, static_cast<size_t>(query_count * k));
  auto* worker = new SearchIndexWorker(env, state_, queries.Data(), query_count, static_cast<int32_t>(k), indices, scores);
  worker->Keep(queries);
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

// Helpers shared by the N-API entry points (addon.cc, vector_index.cc): argument guard clauses that throw
// the product's TypeError / RangeError wording (main/api/errors.ts), and the promise-returning worker
// every kernel runs in. Header-only; everything is inline.
#pragma once

#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "backend.h"

namespace milens::napi {

inline std::string describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) {
    const double number = value.As<Napi::Number>().DoubleValue();
    if (std::isnan(number)) return "NaN";
    if (std::isinf(number)) return number > 0 ? "Infinity" : "-Infinity";
    return value.ToString().Utf8Value();
  }
  if (value.IsString()) return "\"" + value.As<Napi::String>().Utf8Value() + "\"";
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsTypedArray()) {
    const Napi::TypedArray array = value.As<Napi::TypedArray>();
    const Napi::Value constructor = array.Get("constructor");
    std::string name = "TypedArray";
    if (constructor.IsFunction()) name = constructor.As<Napi::Object>().Get("name").ToString().Utf8Value();
    return name + "(" + std::to_string(array.ElementLength()) + ")";
  }
  if (value.IsArray()) return "Array(" + std::to_string(value.As<Napi::Array>().Length()) + ")";
  if (value.IsFunction()) return "a function";
  return "an object";
}

[[noreturn]] inline void throw_type(const Napi::Env& env, const std::string& argument, const std::string& expected, const Napi::Value& received) {
  throw Napi::TypeError::New(env, "Expected " + argument + " to be " + expected + " but received " + describe(received));
}

[[noreturn]] inline void throw_range(const Napi::Env& env, const std::string& argument, const std::string& expected, const Napi::Value& received) {
  throw Napi::RangeError::New(env, "Expected " + argument + " to be " + expected + " but received " + describe(received));
}

inline int64_t integer_argument(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t minimum, int64_t maximum) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) throw_type(info.Env(), name, "an integer", value);
  const double number = value.As<Napi::Number>().DoubleValue();
  if (std::isnan(number)) throw_type(info.Env(), name, "an integer", value);
  if (std::floor(number) != number || number < static_cast<double>(minimum) || number > static_cast<double>(maximum)) {
    throw_range(info.Env(), name, "an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum), value);
  }
  return static_cast<int64_t>(number);
}

template <class T>
Napi::TypedArrayOf<T> typed_argument(const Napi::CallbackInfo& info, size_t index, const char* name, napi_typedarray_type type,
                                     const char* type_name) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw_type(info.Env(), name, std::string("a ") + type_name, value);
  }
  return value.As<Napi::TypedArrayOf<T>>();
}

template <class T>
void require_length(const Napi::Env& env, const Napi::TypedArrayOf<T>& array, const char* name, int64_t expected) {
  if (static_cast<int64_t>(array.ElementLength()) != expected) {
    throw_range(env, name, "of length " + std::to_string(expected), array);
  }
}

/**
 * Reads store.data (argument `data_index`) and, for int8, store.scales (`scales_index`) for the dtype
 * named by `dtype` into `store`, whose count and dimension are already set; throws on any mismatch.
 */
inline void store_arrays(const Napi::CallbackInfo& info, const Napi::Value& dtype, size_t data_index, size_t scales_index, StoreView& store) {
  const Napi::Env env = info.Env();
  if (!dtype.IsString()) throw_type(env, "store.dtype", "a string", dtype);
  const std::string name = dtype.As<Napi::String>().Utf8Value();
  const int64_t values = store.count * store.dimension;
  store.scales = nullptr;
  if (name == "f32") {
    Napi::Float32Array array = typed_argument<float>(info, data_index, "store.data", napi_float32_array, "Float32Array for dtype \"f32\"");
    require_length(env, array, "store.data", values);
    store.dtype = Dtype::F32;
    store.data = array.Data();
  } else if (name == "f16") {
    Napi::Uint16Array array = typed_argument<uint16_t>(info, data_index, "store.data", napi_uint16_array, "Uint16Array for dtype \"f16\"");
    require_length(env, array, "store.data", values);
    store.dtype = Dtype::F16;
    store.data = array.Data();
  } else if (name == "int8") {
    Napi::Int8Array array = typed_argument<int8_t>(info, data_index, "store.data", napi_int8_array, "Int8Array for dtype \"int8\"");
    require_length(env, array, "store.data", values);
    Napi::Float32Array scales = typed_argument<float>(info, scales_index, "store.scales", napi_float32_array, "Float32Array");
    require_length(env, scales, "store.scales", store.count);
    store.dtype = Dtype::Int8;
    store.data = array.Data();
    store.scales = scales.Data();
  } else {
    throw_range(env, "store.dtype", "\"f32\", \"f16\" or \"int8\"", dtype);
  }
}

/** Checks every query value is finite (NaN and ±Infinity are refused before any work). */
inline void require_finite_queries(const Napi::Env& env, const float* queries, int64_t values) {
  for (int64_t i = 0; i < values; ++i) {
    if (!std::isfinite(queries[i])) throw_range(env, "queries[" + std::to_string(i) + "]", "a finite number", Napi::Number::New(env, queries[i]));
  }
}

inline std::string backend_argument(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw_type(info.Env(), "backend", "a string", info[0]);
  return info[0].As<Napi::String>().Utf8Value();
}

/** Guards shared by every kernel: the backend exists and initialised (else a JS error saying why). */
inline const Backend& backend_for(const Napi::Env& env, const std::string& name) {
  try {
    return require_backend(name);
  } catch (const KernelError& error) {
    if (error.kind == ErrorKind::Range) throw Napi::RangeError::New(env, error.what());
    throw Napi::Error::New(env, error.what());
  }
}

/** A promise-returning worker that pins its input and output arrays until it settles. */
class KernelWorker : public Napi::AsyncWorker {
 public:
  explicit KernelWorker(Napi::Env env, const char* resource) : Napi::AsyncWorker(env, resource), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Queue() {
    Napi::Promise promise = deferred_.Promise();
    Napi::AsyncWorker::Queue();
    return promise;
  }

  /** Keeps `value` alive (and its buffer attached to it) while the worker runs. */
  void Keep(const Napi::Value& value) { kept_.push_back(Napi::Persistent(value.As<Napi::Object>())); }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

  void Execute() override {
    try {
      Run();
    } catch (const KernelError& error) {
      kind_ = error.kind;
      SetError(error.what());
    } catch (const std::bad_alloc&) {
      SetError("out of memory in the native compute addon");
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(Result(Env()));
  }

  void OnError(const Napi::Error& error) override {
    Napi::HandleScope scope(Env());
    const std::string message = error.Message();
    Napi::Error typed = kind_ == ErrorKind::Range  ? static_cast<Napi::Error>(Napi::RangeError::New(Env(), message))
                        : kind_ == ErrorKind::Type ? static_cast<Napi::Error>(Napi::TypeError::New(Env(), message))
                                                   : Napi::Error::New(Env(), message);
    deferred_.Reject(typed.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> kept_;
  ErrorKind kind_ = ErrorKind::Generic;
};

/** A worker whose result is a top-k list, { indices, scores }, written into arrays the caller allocated. */
class TopKWorker : public KernelWorker {
 public:
  TopKWorker(Napi::Env env, const char* resource, Napi::Int32Array indices, Napi::Float32Array scores)
      : KernelWorker(env, resource), output_{indices.Data(), scores.Data()}, indices_(Napi::Persistent(indices)),
        scores_(Napi::Persistent(scores)) {}

 protected:
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("indices", indices_.Value());
    result.Set("scores", scores_.Value());
    return result;
  }

  TopKOutput output_;

 private:
  Napi::Reference<Napi::Int32Array> indices_;
  Napi::Reference<Napi::Float32Array> scores_;
};

}  // namespace milens::napi

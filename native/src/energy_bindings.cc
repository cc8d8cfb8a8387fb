// N-API surface of the energy counters (native/energy): `nvmlOpen()`, `nvmlRead()` and `ioreportRead()`.
// Each is a quick synchronous call (a few register reads), made only between measured windows.
#include "energy_bindings.h"

#include "../energy/energy_counters.h"

namespace milens {
namespace {

Napi::Value NvmlOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<energy::NvmlDevice> devices;
  std::string reason;
  Napi::Object result = Napi::Object::New(env);
  const bool ok = energy::nvml_open(devices, reason);
  result.Set("available", ok);
  if (!ok) {
    result.Set("reason", reason);
    return result;
  }
  Napi::Array list = Napi::Array::New(env, devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", devices[i].index);
    device.Set("name", devices[i].name);
    list.Set(static_cast<uint32_t>(i), device);
  }
  result.Set("devices", list);
  return result;
}

Napi::Value NvmlRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<double> millijoules;
  std::vector<std::string> errors;
  energy::nvml_read(millijoules, errors);
  Napi::Array result = Napi::Array::New(env, millijoules.size());
  for (size_t i = 0; i < millijoules.size(); ++i) {
    Napi::Object reading = Napi::Object::New(env);
    if (errors[i].empty()) reading.Set("millijoules", millijoules[i]);
    else reading.Set("error", errors[i]);
    result.Set(static_cast<uint32_t>(i), reading);
  }
  return result;
}

Napi::Value IoReportRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<energy::IoReportChannel> channels;
  std::string reason;
  Napi::Object result = Napi::Object::New(env);
  const bool ok = energy::ioreport_read(channels, reason);
  result.Set("available", ok);
  if (!ok) {
    result.Set("reason", reason);
    return result;
  }
  Napi::Array list = Napi::Array::New(env, channels.size());
  for (size_t i = 0; i < channels.size(); ++i) {
    Napi::Object channel = Napi::Object::New(env);
    channel.Set("group", channels[i].group);
    channel.Set("name", channels[i].name);
    channel.Set("joules", channels[i].joules);
    list.Set(static_cast<uint32_t>(i), channel);
  }
  result.Set("channels", list);
  return result;
}

}  // namespace

void init_energy_counters(Napi::Env env, Napi::Object exports) {
  exports.Set("nvmlOpen", Napi::Function::New(env, NvmlOpen, "nvmlOpen"));
  exports.Set("nvmlRead", Napi::Function::New(env, NvmlRead, "nvmlRead"));
  exports.Set("ioreportRead", Napi::Function::New(env, IoReportRead, "ioreportRead"));
}

}  // namespace milens

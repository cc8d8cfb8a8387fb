// NVML's total-energy counter, loaded at run time: the addon never links against libnvidia-ml, so it
// still loads where no NVIDIA driver is installed and reports why the source is unavailable.
#include <mutex>

#include "energy_counters.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace milens::energy {
namespace {

// The few NVML declarations used here (nvml.h): every call returns an nvmlReturn_t, 0 on success.
using NvmlReturn = int;
using NvmlDeviceHandle = void*;
using InitFn = NvmlReturn (*)();
using CountFn = NvmlReturn (*)(unsigned*);
using HandleFn = NvmlReturn (*)(unsigned, NvmlDeviceHandle*);
using EnergyFn = NvmlReturn (*)(NvmlDeviceHandle, unsigned long long*);
using NameFn = NvmlReturn (*)(NvmlDeviceHandle, char*, unsigned);
using ErrorStringFn = const char* (*)(NvmlReturn);

struct Nvml {
  bool tried = false;
  bool ok = false;
  std::string reason;
  EnergyFn total_energy = nullptr;
  ErrorStringFn error_string = nullptr;
  std::vector<NvmlDeviceHandle> handles;
  std::vector<NvmlDevice> devices;
};

Nvml& state() {
  static Nvml nvml;
  return nvml;
}

void* open_library() {
#if defined(_WIN32)
  return reinterpret_cast<void*>(LoadLibraryA("nvml.dll"));
#else
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) library = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
  return library;
#endif
}

void* symbol(void* library, const char* name) {
#if defined(_WIN32)
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(library), name));
#else
  return dlsym(library, name);
#endif
}

std::string describe(Nvml& nvml, NvmlReturn code) {
  const char* text = nvml.error_string ? nvml.error_string(code) : nullptr;
  return text ? std::string(text) : "NVML error " + std::to_string(code);
}

void initialise(Nvml& nvml) {
  nvml.tried = true;
  void* library = open_library();
  if (!library) {
    nvml.reason = "no NVIDIA driver library (libnvidia-ml.so.1 / nvml.dll could not be opened)";
    return;
  }
  auto init = reinterpret_cast<InitFn>(symbol(library, "nvmlInit_v2"));
  auto count = reinterpret_cast<CountFn>(symbol(library, "nvmlDeviceGetCount_v2"));
  auto handle = reinterpret_cast<HandleFn>(symbol(library, "nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<NameFn>(symbol(library, "nvmlDeviceGetName"));
  nvml.total_energy = reinterpret_cast<EnergyFn>(symbol(library, "nvmlDeviceGetTotalEnergyConsumption"));
  nvml.error_string = reinterpret_cast<ErrorStringFn>(symbol(library, "nvmlErrorString"));
  if (!init || !count || !handle || !name || !nvml.total_energy) {
    nvml.reason = "the NVIDIA driver's NVML is too old: nvmlDeviceGetTotalEnergyConsumption is missing (driver 410 or later needed)";
    return;
  }
  if (NvmlReturn code = init(); code != 0) {
    nvml.reason = "nvmlInit failed: " + describe(nvml, code);
    return;
  }
  unsigned devices = 0;
  if (NvmlReturn code = count(&devices); code != 0) {
    nvml.reason = "nvmlDeviceGetCount failed: " + describe(nvml, code);
    return;
  }
  if (devices == 0) {
    nvml.reason = "NVML found no NVIDIA GPU";
    return;
  }
  for (unsigned index = 0; index < devices; ++index) {
    NvmlDeviceHandle device = nullptr;
    if (handle(index, &device) != 0) continue;
    char text[96] = {0};
    name(device, text, sizeof(text));
    nvml.handles.push_back(device);
    nvml.devices.push_back({index, text});
  }
  if (nvml.handles.empty()) {
    nvml.reason = "NVML listed GPUs but returned no handle for any of them";
    return;
  }
  nvml.ok = true;
}

std::mutex nvml_mutex;

}  // namespace

bool nvml_open(std::vector<NvmlDevice>& devices, std::string& reason) {
  std::lock_guard<std::mutex> lock(nvml_mutex);
  Nvml& nvml = state();
  if (!nvml.tried) initialise(nvml);
  if (!nvml.ok) {
    reason = nvml.reason;
    return false;
  }
  devices = nvml.devices;
  return true;
}

void nvml_read(std::vector<double>& millijoules, std::vector<std::string>& errors) {
  std::lock_guard<std::mutex> lock(nvml_mutex);
  Nvml& nvml = state();
  millijoules.assign(nvml.handles.size(), -1);
  errors.assign(nvml.handles.size(), "");
  if (!nvml.ok) return;
  for (size_t i = 0; i < nvml.handles.size(); ++i) {
    unsigned long long value = 0;
    NvmlReturn code = nvml.total_energy(nvml.handles[i], &value);
    if (code == 0) millijoules[i] = static_cast<double>(value);
    else errors[i] = describe(nvml, code);
  }
}

}  // namespace milens::energy

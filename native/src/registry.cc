// The backend registry: what was compiled in, what initialised on this machine, and why not.
#include <mutex>

#include "backend.h"

namespace milens {

std::string out_of_range_message(const std::string& argument, const std::string& expected, const std::string& received) {
  return "Expected " + argument + " to be " + expected + " but received " + received;
}

namespace {

RegistryEntry initialise(const Backend* backend, const char* name, const char* not_built_reason) {
  RegistryEntry entry;
  entry.name = name;
  if (backend == nullptr) {
    entry.reason = not_built_reason;
    return entry;
  }
  entry.built = true;
  entry.backend = backend;
  try {
    entry.available = backend->init(entry.device, entry.reason);
  } catch (const std::exception& error) {
    entry.available = false;
    entry.reason = std::string("initialisation failed: ") + error.what();
  }
  return entry;
}

}  // namespace

const std::vector<RegistryEntry>& registry() {
  static std::once_flag once;
  static std::vector<RegistryEntry> entries;
  std::call_once(once, [] {
    entries.push_back(initialise(&cpu_backend, "cpu", ""));
#ifdef MILENS_WITH_CUDA
    entries.push_back(initialise(&cuda_backend, "cuda", ""));
#else
    entries.push_back(initialise(nullptr, "cuda", "not built: nvcc was not found when the addon was compiled (set CUDA_PATH or put nvcc on PATH and run npm run build:native)"));
#endif
#ifdef MILENS_WITH_METAL
    entries.push_back(initialise(&metal_backend, "metal", ""));
#else
    entries.push_back(initialise(nullptr, "metal", "not built: Metal exists only on macOS"));
#endif
  });
  return entries;
}

const Backend& require_backend(const std::string& name) {
  for (const RegistryEntry& entry : registry()) {
    if (entry.name != name) continue;
    if (!entry.built || !entry.available) throw KernelError(ErrorKind::Generic, "The " + name + " backend is not available: " + entry.reason);
    return *entry.backend;
  }
  throw KernelError(ErrorKind::Range, out_of_range_message("backend", "\"cpu\", \"cuda\" or \"metal\"", "\"" + name + "\""));
}

}  // namespace milens

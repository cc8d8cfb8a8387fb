// Registers the energy-counter functions (NVML, IOReport) on the addon's exports.
#pragma once

#include <napi.h>

namespace milens {

void init_energy_counters(Napi::Env env, Napi::Object exports);

}  // namespace milens

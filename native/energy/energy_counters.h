// Hardware energy counters read by the addon for `milens bench` (main/bench): NVIDIA's NVML total-energy
// counter and Apple's IOReport energy channels. Both libraries are opened at run time (dlopen), so the
// addon loads, and says why, on machines without an NVIDIA driver or on other systems.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace milens::energy {

struct NvmlDevice {
  unsigned index = 0;
  std::string name;
};

/** Opens libnvidia-ml and initialises NVML once per process; false with the reason otherwise. */
bool nvml_open(std::vector<NvmlDevice>& devices, std::string& reason);

/**
 * Millijoules each device has used since its driver loaded (nvmlDeviceGetTotalEnergyConsumption,
 * Volta and later); a device whose counter cannot be read gets -1 and its NVML error in `errors`.
 */
void nvml_read(std::vector<double>& millijoules, std::vector<std::string>& errors);

struct IoReportChannel {
  std::string group;
  std::string name;
  /** Cumulative energy in joules, converted from the channel's own unit label (mJ, uJ, nJ). */
  double joules = 0;
};

/** Reads the "Energy Model" channels of IOReport (macOS only; false with the reason elsewhere). */
bool ioreport_read(std::vector<IoReportChannel>& channels, std::string& reason);

}  // namespace milens::energy

// The energy functions the native addon exports (native/src/energy_bindings.cc), typed apart from the
// compute kernels: an addon built before them simply lacks them, and the sources then say so.
import { loadAddon } from '../../compute/native.js';

export interface NvmlOpenResult {
  available: boolean;
  reason?: string;
  devices?: Array<{ index: number; name: string }>;
}

export interface EnergyAddon {
  nvmlOpen(): NvmlOpenResult;
  nvmlRead(): Array<{ millijoules?: number; error?: string }>;
  ioreportRead(): { available: boolean; reason?: string; channels?: Array<{ group: string; name: string; joules: number }> };
}

/** The addon's energy functions, or the reason they cannot be used. */
export function loadEnergyAddon(): { addon: EnergyAddon } | { reason: string } {
  const loaded = loadAddon();
  if (!('addon' in loaded)) return { reason: `the native addon is not loaded (${loaded.error}), and only it can read this counter` };
  const addon = loaded.addon as unknown as Partial<EnergyAddon>;
  if (typeof addon.nvmlOpen !== 'function' || typeof addon.nvmlRead !== 'function' || typeof addon.ioreportRead !== 'function')
    return { reason: 'the native addon was built without the energy counters: rebuild it with `npm run build:native`' };
  return { addon: addon as EnergyAddon };
}

// The one interface every hardware energy counter is read through (RAPL, NVML, IOReport), and the
// counter arithmetic they share. A source reports cumulative joules per domain; the protocol takes
// differences over measured windows. No source ever estimates energy from load and a nameplate
// wattage: a source that cannot read a real counter is unavailable, with the reason and the fix.

/** Cumulative joules per domain at one moment (domains as the source names them: "package-0", "gpu-0"…). */
export interface EnergyReading {
  joules: Record<string, number>;
}

export interface EnergySource {
  /** linux-rapl, nvidia-nvml, apple-ioreport… */
  readonly name: string;
  /** Every domain the source reads, and which of them add up to the total without counting twice. */
  readonly domains: readonly string[];
  readonly totalDomains: readonly string[];
  /** How often the hardware updates the counter, in milliseconds (the protocol's windows are ≥ 10×). */
  readonly updateIntervalMs: number;
  /** The smallest energy step the counter can show, in joules. */
  readonly resolutionJoules: number;
  read(): EnergyReading;
  close?(): void;
}

export type EnergySourceProbe =
  { name: string; available: true; source: EnergySource } | { name: string; available: false; reason: string; fix?: string };

/**
 * Turns the raw readings of one counter that wraps at `rangeJoules` (RAPL's max_energy_range_uj, a
 * 32-bit NVML register…) into a cumulative, monotone total. A reading below the previous one is a
 * wrap-around when the drop is more than half the range (the counter went past its maximum), else a
 * glitch (a non-monotone read, seen on some firmware): a glitch is ignored and counted, never added.
 */
export class CumulativeCounter {
  private previousRaw: number | undefined;
  private total = 0;
  glitches = 0;
  wraps = 0;

  constructor(private readonly rangeJoules: number | null) {}

  update(rawJoules: number): number {
    if (!Number.isFinite(rawJoules)) throw new RangeError(`Expected a finite counter value but received ${rawJoules}`);
    if (this.previousRaw === undefined) {
      this.previousRaw = rawJoules;
      return this.total;
    }
    let delta = rawJoules - this.previousRaw;
    if (delta < 0) {
      if (this.rangeJoules !== null && -delta > this.rangeJoules / 2) {
        delta += this.rangeJoules;
        this.wraps++;
      } else {
        // A glitch: keep the previous raw value so the next good reading is measured from it.
        this.glitches++;
        return this.total;
      }
    }
    this.previousRaw = rawJoules;
    this.total += delta;
    return this.total;
  }
}

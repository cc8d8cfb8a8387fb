// The powermetrics source's parsing: plist samples in powermetrics' documented format (a NUL byte
// between documents, processor energies in millijoules over elapsed_ns), split across chunks as a pipe
// delivers them. powermetrics itself runs only on macOS as root.
import { describe, expect, it } from 'vitest';
import { PowermetricsAccumulator, parsePowermetricsSample, probePowermetrics } from '../../../main/bench/sources/powermetrics.js';

function sample(elapsedNs: number, cpu: number, gpu: number, ane: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>hw_model</key><string>Mac14,2</string>
  <key>elapsed_ns</key><integer>${elapsedNs}</integer>
  <key>processor</key>
  <dict>
    <key>clusters</key><array><dict><key>name</key><string>E-Cluster</string></dict></array>
    <key>ane_energy</key><integer>${ane}</integer>
    <key>cpu_energy</key><integer>${cpu}</integer>
    <key>gpu_energy</key><integer>${gpu}</integer>
    <key>combined_power</key><real>1234.5</real>
  </dict>
</dict>
</plist>
`;
}

describe('apple-powermetrics source', () => {
  it('reads the processor energies of one sample', () => {
    expect(parsePowermetricsSample(sample(100_000_000, 250, 40, 3))).toEqual({
      elapsedNs: 100_000_000,
      millijoules: { cpu: 250, gpu: 40, ane: 3 },
    });
    expect(parsePowermetricsSample('<plist><dict><key>elapsed_ns</key><integer>5</integer></dict></plist>')).toBeUndefined();
  });

  it('adds up samples split across chunks into cumulative joules', () => {
    const accumulator = new PowermetricsAccumulator();
    const stream = `${sample(1e8, 250, 40, 3)}\0${sample(1e8, 750, 60, 7)}\0${sample(1e8, 1000, 0, 0)}`;
    for (let at = 0; at < stream.length; at += 97) accumulator.push(stream.slice(at, at + 97));
    // The third document has no NUL after it yet: it is still being written.
    expect(accumulator.samples).toBe(2);
    expect(accumulator.joules.cpu).toBeCloseTo(1, 12);
    expect(accumulator.joules.gpu).toBeCloseTo(0.1, 12);
    expect(accumulator.joules.ane).toBeCloseTo(0.01, 12);
    accumulator.push('\0');
    expect(accumulator.joules.cpu).toBeCloseTo(2, 12);
  });

  it('is unavailable off macOS and without root, with the reason', () => {
    expect(probePowermetrics('linux', 0)).toMatchObject({ available: false, reason: 'powermetrics exists only on macOS' });
    expect(probePowermetrics('darwin', 501)).toMatchObject({ available: false, reason: expect.stringMatching(/needs root/) });
  });
});

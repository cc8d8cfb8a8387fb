// The figures of the renderer: sizes in binary units and the percentage of a download.
import { describe, expect, it } from 'vitest';
import { formatBytes, percentDone } from '../../../renderer/src/lib/format.js';

describe('percentDone', () => {
  it('rounds down, so that 100 % means every byte is there', () => {
    expect(percentDone(0, 3_445_747)).toBe(0);
    expect(percentDone(2_097_152, 3_445_747)).toBe(60);
    expect(percentDone(3_445_746, 3_445_747)).toBe(99);
    expect(percentDone(3_445_747, 3_445_747)).toBe(100);
  });

  it('stays within 0–100 for an unknown or overrun total', () => {
    expect(percentDone(5, 0)).toBe(0);
    expect(percentDone(5, Number.NaN)).toBe(0);
    expect(percentDone(12, 10)).toBe(100);
    expect(percentDone(-1, 10)).toBe(0);
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(3_445_747)).toBe('3.3 MiB');
    expect(formatBytes(2 * 1024 * 1024)).toBe('2.0 MiB');
  });
});

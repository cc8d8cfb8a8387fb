// The renderer's pure helpers of the app views: the URL's hash, snippet highlighting, exports, bench
// report reading, expected absences and durations.
import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from '../../../renderer/src/lib/route.js';
import { highlightParts } from '../../../renderer/src/lib/highlight.js';
import { rankingCsv, selectionCsv } from '../../../renderer/src/lib/export.js';
import { benchRows, formatJoules, formatSeconds, parseBenchReport } from '../../../renderer/src/lib/bench-report.js';
import { expectedAbsence } from '../../../renderer/src/lib/expected-absence.js';
import { formatDuration, ratePerSecond } from '../../../renderer/src/lib/format.js';

describe('the hash route', () => {
  it('starts on Search, reads parameters, and opens old #/system on Settings', () => {
    expect(parseHash('').view).toBe('search');
    expect(parseHash('#/nowhere').view).toBe('search');
    expect(parseHash('#/system').view).toBe('settings');
    const route = parseHash('#/search?q=mutual+information&kind=text');
    expect(route.view).toBe('search');
    expect(route.params.get('q')).toBe('mutual information');
    expect(route.params.get('kind')).toBe('text');
  });

  it('writes what it reads, leaving out empty parameters', () => {
    const hash = formatHash('search', { q: 'a & b?', kind: undefined, collection: '' });
    expect(hash).toBe('#/search?q=a+%26+b%3F');
    expect(parseHash(hash).params.get('q')).toBe('a & b?');
    expect(formatHash('tables')).toBe('#/tables');
  });
});

describe('highlightParts', () => {
  it("marks the query's words and their inflections, case-insensitively", () => {
    const parts = highlightParts('Entropy bounds the codes; channels have capacity.', 'entropy code channel');
    expect(parts.filter((part) => part.match).map((part) => part.text)).toEqual(['Entropy', 'codes', 'channels']);
    expect(parts.map((part) => part.text).join('')).toBe('Entropy bounds the codes; channels have capacity.');
  });

  it('leaves a text alone for an empty query or no match', () => {
    expect(highlightParts('plain text', '')).toEqual([{ text: 'plain text', match: false }]);
    expect(highlightParts('plain text', 'zebra').every((part) => !part.match)).toBe(true);
  });
});

describe('exports', () => {
  it('writes the ranking as RFC 4180 CSV, quoting where needed and leaving missing values empty', () => {
    const csv = rankingCsv([
      { name: 'x, squared', kind: 'continuous', miBits: 1.5, pearson: -0.02, spearman: null, dcor: 0.4, pValue: null, rows: 200 },
      { name: 'say "hi"', kind: 'discrete', miBits: 0, pearson: null, spearman: null, dcor: null, pValue: 0.5, rows: 10 },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'feature,kind,mi_bits,pearson,spearman,dcor,p_value,rows',
      '"x, squared",continuous,1.5,-0.02,,0.4,,200',
      '"say ""hi""",discrete,0,,,,0.5,10',
      '',
    ]);
  });

  it('writes a selection with its rank and unit', () => {
    expect(selectionCsv({ method: 'jmi', target: 'y', unit: 'nats', selected: [{ name: 'a', score: 0.25 }] })).toBe(
      'rank,feature,score_nats\r\n1,a,0.25\r\n',
    );
  });
});

describe('parseBenchReport', () => {
  const interval = (median: number, low: number, high: number) => ({ median, low, high });
  const report = {
    milensVersion: '0.1.0',
    startedAt: 'a',
    finishedAt: 'b',
    machine: { os: 'linux', release: '6', arch: 'x64', cpuModel: 'CPU', cpuCount: 2, totalMemoryBytes: 1, powerSource: null, versions: {} },
    protocol: {
      trials: 5,
      warmups: 2,
      minWindowMs: 1000,
      intervalMethod: 'bootstrap',
      order: 'interleaved',
      baseline: 'idle',
      size: 'full',
    },
    sources: [],
    results: [
      {
        workload: 'ksg-mi',
        backend: 'cpu',
        dataShape: '100k x 10',
        repetitions: 3,
        trials: 5,
        secondsPerOperation: interval(0.37, 0.35, 0.39),
        secondsSamples: [],
        energy: [
          { source: 'linux-rapl', available: false, reason: 'root only' },
          {
            source: 'nvidia-nvml',
            available: true,
            domains: ['gpu-0'],
            windowMs: 1000,
            joulesPerOperation: interval(4.2, 4, 4.4),
            baselineSubtractedJoulesPerOperation: interval(1.2, 1, 1.4),
            idleWatts: interval(30, 29, 31),
            method: 'm',
            samples: [],
            baselineSubtractedSamples: [],
          },
        ],
        notes: [],
      },
    ],
    warnings: [],
  };

  it('reads a report and gives each source its energy or its reason', () => {
    const rows = benchRows(parseBenchReport(JSON.stringify(report)));
    expect(rows[0].energy).toEqual([
      { source: 'linux-rapl', joules: null, baselineSubtracted: null, reason: 'root only' },
      { source: 'nvidia-nvml', joules: interval(4.2, 4, 4.4), baselineSubtracted: interval(1.2, 1, 1.4), reason: null },
    ]);
    expect(formatSeconds(0.37)).toBe('370 ms');
    expect(formatSeconds(1.25e-5)).toBe('12.5 µs');
    expect(formatJoules(0.31)).toBe('310 mJ');
  });

  it('says why a file is not a report', () => {
    expect(() => parseBenchReport('not json')).toThrow(/not JSON/);
    expect(() => parseBenchReport('[1,2]')).toThrow(/expected a JSON object/);
    expect(() => parseBenchReport('{"x":1}')).toThrow(/no "results" list/);
    expect(() => parseBenchReport('{"results":[{"workload":"a"}]}')).toThrow(/result 1 has no workload or time/);
  });
});

describe('expectedAbsence', () => {
  it('calls Metal and Apple counters absent by design off macOS, and RAPL off Linux', () => {
    expect(expectedAbsence('metal', 'linux')).toBe('Apple only');
    expect(expectedAbsence('metal', 'darwin')).toBeNull();
    expect(expectedAbsence('apple-ioreport', 'win32')).toBe('Apple only');
    expect(expectedAbsence('linux-rapl', 'darwin')).toBe('Linux only');
    expect(expectedAbsence('cuda', 'darwin')).toBe('not on macOS');
    expect(expectedAbsence('cuda', 'linux')).toBeNull();
    expect(expectedAbsence('cpu', 'linux')).toBeNull();
  });
});

describe('durations and rates', () => {
  it('reads as people say them', () => {
    expect(formatDuration(4_400)).toBe('4 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
    expect(ratePerSecond(0, 100)).toBeNull();
    expect(ratePerSecond(50, 2_000)).toBe(25);
  });
});

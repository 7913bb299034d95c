import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHistogram, encodeHistogram, histogramsEqual, newAgentHistogram, newMergeHistogram, recordUs } from '../src/histogram.js';

const latency = fc.integer({ min: 0, max: 30_000_000 });

describe('histogram merge', () => {
  it('merging N agents equals one histogram of all their values, for many random splits', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 0, maxLength: 400 }), fc.integer({ min: 1, max: 12 }), fc.integer(), (values, agents, seed) => {
        // Assign each value to an agent pseudo-randomly from the seed.
        const perAgent = Array.from({ length: agents }, () => newAgentHistogram());
        let x = seed >>> 0;
        for (const v of values) {
          x = (x * 1103515245 + 12345) >>> 0;
          recordUs(perAgent[x % agents]!, v);
        }
        const merged = newMergeHistogram();
        for (const h of perAgent) merged.add(decodeHistogram(encodeHistogram(h)));
        const direct = newMergeHistogram();
        for (const v of values) recordUs(direct, v);
        expect(merged.totalCount).toBe(values.length);
        expect(histogramsEqual(merged, direct)).toBe(true);
        for (const p of [50, 90, 99, 99.9, 100]) expect(merged.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
      }),
      { numRuns: 300 },
    );
  });

  it('32-bit agent buckets hold counts far past 16 bits', () => {
    const h = newAgentHistogram();
    h.recordValueWithCount(1200, 200_000);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(200_000);
    expect(back.getValueAtPercentile(50)).toBeGreaterThan(1190);
  });

  it('records integer microseconds and clamps out-of-range values instead of throwing', () => {
    const h = newMergeHistogram();
    recordUs(h, 1234.9);
    recordUs(h, -5);
    recordUs(h, 1e12);
    expect(h.totalCount).toBe(3);
    expect(h.minNonZeroValue).toBeLessThanOrEqual(1234);
  });

  it('histogramsEqual tells histograms apart that differ in one bucket', () => {
    const a = newMergeHistogram();
    const b = newMergeHistogram();
    recordUs(a, 100);
    recordUs(b, 5000);
    expect(histogramsEqual(a, b)).toBe(false);
    recordUs(a, 5000);
    recordUs(b, 100);
    expect(histogramsEqual(a, b)).toBe(true);
  });
});

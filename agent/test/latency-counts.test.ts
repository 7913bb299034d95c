import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_HIGHEST_US, decodeHistogram, encodeHistogram, newAgentHistogram, recordUs } from '@etcdlab/common';
import { COUNTS_LENGTH, LatencyCounts, countsIndex, valueAtIndex } from '../src/load/latency-counts.js';

/** What the agent recorded before: hdr-histogram-js directly. */
function reference(values: number[]): string {
  const h = newAgentHistogram();
  for (const v of values) recordUs(h, v);
  return encodeHistogram(h);
}

// Values near every power of two (bucket edges), plus fractions, negatives and out-of-range ones.
const edgy = fc.oneof(
  fc.integer({ min: 0, max: 31 }).chain((k) => fc.integer({ min: -2, max: 2 }).map((d) => Math.max(0, 2 ** k + d))),
  fc.double({ min: -10, max: 5e9, noNaN: true }),
  fc.integer({ min: 0, max: 5_000_000 }),
  fc.constantFrom(0, 0.5, 1, 2047, 2048, 4095, 4096, HISTOGRAM_HIGHEST_US, HISTOGRAM_HIGHEST_US + 1),
);

describe('LatencyCounts', () => {
  it('encodes byte for byte what recordUs into an agent HDR histogram gives', () => {
    fc.assert(
      fc.property(fc.array(edgy, { maxLength: 400 }), (values) => {
        const c = new LatencyCounts();
        for (const v of values) c.record(v);
        expect(c.encode()).toBe(reference(values));
        expect(c.count).toBe(values.length);
      }),
    );
  });

  it('uses exactly HdrHistogram bucket indexes for every bucket', () => {
    const h = newAgentHistogram() as unknown as { countsArrayLength: number; countsArrayIndex(v: number): number };
    expect(COUNTS_LENGTH).toBe(h.countsArrayLength);
    for (let i = 0; i < COUNTS_LENGTH; i++) {
      const v = valueAtIndex(i);
      if (v > HISTOGRAM_HIGHEST_US) break;
      expect(countsIndex(v)).toBe(i);
      expect(h.countsArrayIndex(v)).toBe(i);
    }
  });

  it('reset empties it for the next interval; wide counts keep totals beyond 32 bits', () => {
    const c = new LatencyCounts();
    c.record(100);
    c.record(5_000_000);
    c.reset();
    c.record(7);
    expect(c.encode()).toBe(reference([7]));
    const wide = new LatencyCounts(true);
    const h = newAgentHistogram();
    for (let i = 0; i < 1000; i++) wide.record(1234);
    wide.addTo(h);
    expect(decodeHistogram(encodeHistogram(h)).totalCount).toBe(1000);
    expect(h.getValueAtPercentile(50)).toBe(1234);
  });
});

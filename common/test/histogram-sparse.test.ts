import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import { SparseSum, addSparse, bucketHighest, decodeSparse, sparseMaxValue } from '../src/histogram-sparse.js';
import { decodeHistogram, encodeHistogram, histogramsEqual, newAgentHistogram, newMergeHistogram, recordUs } from '../src/histogram.js';

const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 3_600_000_000 }), fc.double({ min: 0, max: 1e7, noNaN: true })), { maxLength: 300 });

/** hdr-histogram-js's own decode (decodeHistogram now goes through the sparse path itself). */
function hdrDecode(b64: string): ReturnType<typeof newMergeHistogram> {
  const h = newMergeHistogram();
  h.add(hdr.decodeFromCompressedBase64(b64, 64, false));
  return h;
}

function encoded(vs: number[]): string {
  const h = newAgentHistogram();
  for (const v of vs) recordUs(h, v);
  return encodeHistogram(h);
}

describe('sparse histogram decode and add', () => {
  it('decodeSparse finds exactly the non-zero buckets hdr-histogram-js decodes', () => {
    fc.assert(
      fc.property(values, (vs) => {
        const b64 = encoded(vs);
        const s = decodeSparse(b64);
        const h = hdrDecode(b64) as unknown as { getCountAtIndex(i: number): number; countsArrayLength: number; maxValue: number };
        const want: Array<[number, number]> = [];
        for (let i = 0; i < h.countsArrayLength; i++) if (h.getCountAtIndex(i) > 0) want.push([i, h.getCountAtIndex(i)]);
        expect(Array.from({ length: s.length }, (_, k) => [s.index[k], s.count[k]])).toEqual(want);
        expect(s.total).toBe(vs.length);
        expect(sparseMaxValue(s)).toBe(h.maxValue);
      }),
    );
  });

  it('addSparse gives the same histogram (counts, total, min, max, percentiles) as add(decodeHistogram)', () => {
    fc.assert(
      fc.property(fc.array(values, { maxLength: 6 }), (batches) => {
        const viaAdd = newMergeHistogram();
        const viaSparse = newMergeHistogram();
        for (const vs of batches) {
          const b64 = encoded(vs);
          viaAdd.add(hdrDecode(b64));
          addSparse(viaSparse, decodeSparse(b64));
        }
        expect(histogramsEqual(viaSparse, viaAdd)).toBe(true);
        expect(histogramsEqual(decodeHistogram(encodeHistogram(viaAdd)), viaAdd)).toBe(true);
        expect(viaSparse.totalCount).toBe(viaAdd.totalCount);
        expect(viaSparse.maxValue).toBe(viaAdd.maxValue);
        expect(viaSparse.minNonZeroValue).toBe(viaAdd.minNonZeroValue);
        for (const p of [50, 99, 99.9]) expect(viaSparse.getValueAtPercentile(p)).toBe(viaAdd.getValueAtPercentile(p));
      }),
    );
  });

  it('SparseSum adds and compares bucket by bucket', () => {
    fc.assert(
      fc.property(fc.array(values, { maxLength: 6 }), (batches) => {
        const sum = new SparseSum();
        const all: number[] = [];
        for (const vs of batches) {
          sum.add(decodeSparse(encoded(vs)));
          all.push(...vs);
        }
        expect(sum.equals(decodeSparse(encoded(all)))).toBe(true);
        if (all.length > 0) expect(sum.equals(decodeSparse(encoded([...all, 1])))).toBe(false);
      }),
    );
  });

  it('SparseSum adds in place when no bucket is new (the usual interval)', () => {
    const vs = [5, 5, 1000, 70_000];
    const sum = new SparseSum();
    sum.add(decodeSparse(encoded(vs)));
    sum.add(decodeSparse(encoded([5, 70_000])));
    expect(sum.equals(decodeSparse(encoded([...vs, 5, 70_000])))).toBe(true);
    expect(sum.total).toBe(6);
  });

  it('falls back to hdr-histogram-js for another layout', () => {
    const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e6, numberOfSignificantValueDigits: 2, useWebAssembly: false });
    other.recordValue(500);
    const s = decodeSparse(hdr.encodeIntoCompressedBase64(other));
    expect(s.total).toBe(1);
    expect(bucketHighest(0)).toBe(0);
  });
});

import * as hdr from 'hdr-histogram-js';
import { addSparse, decodeSparse } from './histogram-sparse.js';

/**
 * Latencies are integer microseconds from 1 us to 1 hour at 3 significant digits. Agents record into
 * 32-bit buckets (8/16-bit ones overflow silently); the coordinator merges into 64-bit ones. Always the
 * JS implementation: WASM and JS histograms cannot be added together.
 */
export const HISTOGRAM_HIGHEST_US = 3_600_000_000;
const config = { lowestDiscernibleValue: 1, highestTrackableValue: HISTOGRAM_HIGHEST_US, numberOfSignificantValueDigits: 3 as const, useWebAssembly: false };

export type Histogram = hdr.Histogram;

export const newAgentHistogram = (): Histogram => hdr.build({ ...config, bitBucketSize: 32 });
export const newMergeHistogram = (): Histogram => hdr.build({ ...config, bitBucketSize: 64 });

/** Records a latency, truncated to whole microseconds and clamped to the trackable range. */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us < 0 ? 0 : us > HISTOGRAM_HIGHEST_US ? HISTOGRAM_HIGHEST_US : Math.floor(us));
}

export const encodeHistogram = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Decodes into a 64-bit histogram of the standard range, whatever bucket size it was recorded with. */
export function decodeHistogram(base64: string): Histogram {
  // Through the sparse decoder (histogram-sparse.ts): exact, and ~20x cheaper than hdr-histogram-js's decode + add.
  const h = newMergeHistogram();
  addSparse(h, decodeSparse(base64));
  return h;
}

interface CountsView {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
}

/** Bucket-by-bucket equality (not just equal percentiles). Both must use the standard range. */
export function histogramsEqual(a: Histogram, b: Histogram): boolean {
  if (a.totalCount !== b.totalCount) return false;
  const ca = a as unknown as CountsView;
  const cb = b as unknown as CountsView;
  const n = Math.max(ca.countsArrayLength, cb.countsArrayLength);
  for (let i = 0; i < n; i++) {
    const x = i < ca.countsArrayLength ? ca.getCountAtIndex(i) : 0;
    const y = i < cb.countsArrayLength ? cb.getCountAtIndex(i) : 0;
    if (x !== y) return false;
  }
  return true;
}

export interface LatencySummaryUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
}

export function latencySummary(h: Histogram): LatencySummaryUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    min: h.minNonZeroValue,
    mean: Math.round(h.mean),
  };
}

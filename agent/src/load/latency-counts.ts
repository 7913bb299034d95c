/**
 * The hot-path latency recorder: bucket counts in a typed array with exactly the bucket layout of the
 * agents' HDR histograms (1 us .. 1 h, 3 significant digits), indexed with integer arithmetic. Recording
 * is an index computation and an increment (a few ns, against ~200-300 ns for hdr-histogram-js's
 * recordValue, which uses Math.log2 and pow), and encoding writes the HdrHistogram V2 form straight from
 * the counts (hdr-encode.ts) without building an HdrHistogram. The encoded form is byte-identical to
 * recording the same values with recordUs into newAgentHistogram() and encoding that.
 */
import { HISTOGRAM_HIGHEST_US, type Histogram } from '@etcdlab/common';
import { encodeCompressedV2 } from './hdr-encode.js';

/** 2 * 10^3 needs 11 bits of single-unit resolution: 2048 sub-buckets, the upper 1024 used per bucket. */
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE;
const SUB_BUCKET_COUNT = 2 * SUB_BUCKET_HALF;

/** Buckets needed to cover HISTOGRAM_HIGHEST_US, as HdrHistogram counts them, and the counts length. */
function countsLength(): number {
  let buckets = 1;
  for (let smallestUntrackable = SUB_BUCKET_COUNT; smallestUntrackable <= HISTOGRAM_HIGHEST_US; smallestUntrackable *= 2) buckets++;
  return (buckets + 1) * SUB_BUCKET_HALF;
}
export const COUNTS_LENGTH = countsLength();
const LAYOUT = { significantDigits: 3, lowestDiscernible: 1, highestTrackable: HISTOGRAM_HIGHEST_US };

/** Counts index of an integer value 0 <= v < 2^32 (HdrHistogram's countsArrayIndex, in integers). */
export function countsIndex(v: number): number {
  if (v < SUB_BUCKET_COUNT) return v;
  const bucket = 31 - Math.clz32(v) - SUB_BUCKET_HALF_MAGNITUDE; // floor(log2 v) - 10
  return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (v >>> bucket);
}

/** The lowest value that lands in counts index i (HdrHistogram's valueFromIndex). */
export function valueAtIndex(i: number): number {
  let bucket = (i >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

export class LatencyCounts {
  private readonly counts: Int32Array | Float64Array;
  private n = 0;
  /** Range of indexes recorded since the last reset, so reset and encode touch only that. */
  private lo = COUNTS_LENGTH;
  private hi = -1;

  /** `wide`: 64-bit float counts (exact to 2^53) for whole-phase totals; else 32-bit for an interval. */
  constructor(wide = false) {
    this.counts = wide ? new Float64Array(COUNTS_LENGTH) : new Int32Array(COUNTS_LENGTH);
  }

  /** Records a latency: truncated to whole microseconds and clamped to the trackable range (as recordUs). */
  record(us: number): void {
    const v = !(us >= 1) ? 0 : us > HISTOGRAM_HIGHEST_US ? HISTOGRAM_HIGHEST_US : Math.floor(us); // NaN -> 0
    const i = countsIndex(v);
    this.counts[i]!++;
    this.n++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  /** Values recorded since the last reset. */
  get count(): number {
    return this.n;
  }

  reset(): void {
    if (this.hi >= this.lo) this.counts.fill(0, this.lo, this.hi + 1);
    this.n = 0;
    this.lo = COUNTS_LENGTH;
    this.hi = -1;
  }

  /** Adds these counts into an HDR histogram of the agents' standard range. */
  addTo(h: Histogram): void {
    const c = this.counts;
    for (let i = this.lo; i <= this.hi; i++) if (c[i] !== 0) h.recordValueWithCount(valueAtIndex(i), c[i]!);
  }

  /** HdrHistogram V2 compressed base64, as encodeHistogram(newAgentHistogram() + the same values). */
  encode(): string {
    return encodeCompressedV2(this.counts, this.hi, LAYOUT);
  }
}

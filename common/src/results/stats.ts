import { addSparse, decodeSparse, type SparseHistogram } from '../histogram-sparse.js';
import { type Histogram, type LatencySummaryUs, newMergeHistogram } from '../histogram.js';

/** Integer microseconds read from merged HDR histograms (never averaged percentiles). */
export interface LatencyStatsUs extends LatencySummaryUs {
  stddev: number;
}

export interface OpStats {
  /** Successful operations. */
  count: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** errors / (count + errors); 0 without operations. */
  errorRate: number;
  /** Successful operations per second of phase wall time. */
  throughputOpsPerSec: number;
  /** From the intended start in open loops (coordinated omission corrected); from the send otherwise. */
  latencyUs: LatencyStatsUs;
  /** Open loop: from the actual send (service time), beside latencyUs. */
  serviceUs?: LatencyStatsUs;
}

/**
 * The one statistics module of results: the live merge (phase-merger.ts), the report model and so the
 * summary, compare and the exit status all add and read histograms through it. Interval histograms are decoded once each, by the same sparse decoder
 * the live merge uses (common/src/histogram-sparse.ts), into their non-zero buckets, and added bucket by
 * bucket to 64-bit accumulators of the standard range: the sums are bucket-for-bucket the run's.
 */
export type DecodedInterval = SparseHistogram;
export const decodeInterval = (base64: string): DecodedInterval => decodeSparse(base64);

/** A running sum of one op's intervals: histogram, count, errors by code, and service times (open loop). */
export class OpAccumulator {
  readonly histogram = newMergeHistogram();
  service: Histogram | undefined;
  count = 0;
  readonly errorsByCode: Record<string, number> = {};

  add(decoded: DecodedInterval | undefined, count: number, errors: Record<string, number>, service?: DecodedInterval): void {
    if (decoded && decoded.total > 0) addSparse(this.histogram, decoded);
    if (service && service.total > 0) addSparse((this.service ??= newMergeHistogram()), service);
    this.count += count;
    for (const [code, n] of Object.entries(errors)) this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + n;
  }

  addAcc(other: OpAccumulator): void {
    if (other.histogram.totalCount > 0) this.histogram.add(other.histogram);
    if (other.service) (this.service ??= newMergeHistogram()).add(other.service);
    this.count += other.count;
    for (const [code, n] of Object.entries(other.errorsByCode)) this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + n;
  }

  get errors(): number {
    return Object.values(this.errorsByCode).reduce((a, b) => a + b, 0);
  }
}

interface Internals {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
  countsArrayIndex(v: number): number;
  lowestEquivalentValue(v: number): number;
  highestEquivalentValue(v: number): number;
  medianEquivalentValue(v: number): number;
}

/** HdrHistogram's rounding of a percentile's count (its getValueAtPercentile, ulp included). */
const countAt = (percentile: number, total: number): number => {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(Math.ceil(fp - 2 ** (Math.floor(Math.log2(fp)) - 52)), 1);
};

/**
 * Percentiles, mean and standard deviation in one walk over the buckets up to the maximum: the same
 * numbers as getValueAtPercentile / mean / stdDeviation (same arithmetic, same order), without walking
 * the whole 64-bit counts array once per figure for each of a long run's thousands of intervals.
 */
export function latencyStats(h: Histogram): LatencyStatsUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, stddev: 0 };
  const x = h as unknown as Internals;
  const total = h.totalCount;
  const last = Math.min(x.countsArrayIndex(h.maxValue), x.countsArrayLength - 1);
  const wanted = [50, 90, 99, 99.9].map((p) => countAt(p, total));
  const found: number[] = [];
  let cum = 0;
  let sum = 0;
  for (let i = 0; i <= last; i++) {
    const c = x.getCountAtIndex(i);
    if (c === 0) continue;
    const v = x.valueFromIndex(i);
    cum += c;
    sum += x.medianEquivalentValue(x.highestEquivalentValue(v)) * c;
    while (found.length < wanted.length && cum >= (wanted[found.length] as number)) found.push(x.highestEquivalentValue(v));
  }
  const mean = sum / total;
  let dev = 0;
  for (let i = 0; i <= last; i++) {
    const c = x.getCountAtIndex(i);
    if (c === 0) continue;
    const d = x.medianEquivalentValue(x.highestEquivalentValue(x.valueFromIndex(i))) - mean;
    dev += d * d * c;
  }
  return { p50: found[0] ?? 0, p90: found[1] ?? 0, p99: found[2] ?? 0, p999: found[3] ?? 0, max: h.maxValue, min: h.minNonZeroValue, mean: Math.round(mean), stddev: Math.round(Math.sqrt(dev / total)) };
}

const sortedCodes = (e: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));

export function opStats(acc: OpAccumulator, seconds: number): OpStats {
  const errors = acc.errors;
  return {
    count: acc.count,
    errors,
    errorsByCode: sortedCodes(acc.errorsByCode),
    errorRate: acc.count + errors > 0 ? errors / (acc.count + errors) : 0,
    throughputOpsPerSec: seconds > 0 ? acc.count / seconds : 0,
    latencyUs: latencyStats(acc.histogram),
    ...(acc.service ? { serviceUs: latencyStats(acc.service) } : {}),
  };
}


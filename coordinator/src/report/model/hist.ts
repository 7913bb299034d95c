import type { Histogram } from '@etcdlab/common';
import type { PercentilePoint } from './types.js';

// The statistics live in common (one module for the live merge and the report); re-exported for the report.
export { decodeInterval, type DecodedInterval, latencyStats, OpAccumulator, opStats } from '@etcdlab/common';

/**
 * HdrHistogram's own percentile distribution (5 ticks per half distance), values in microseconds: the
 * points of the log-scale percentile chart and of the percentile CSV files.
 */
export function percentileDistribution(h: Histogram): PercentilePoint[] {
  if (h.totalCount === 0) return [];
  // The Histogram type only declares the text form; the JS implementation also writes CSV.
  const csv = (h as unknown as { outputPercentileDistribution(ticks: number, scale: number, csv: boolean): string }).outputPercentileDistribution(5, 1, true);
  const out: PercentilePoint[] = [];
  for (const line of csv.split('\n').slice(1)) {
    const [value, percentile, total] = line.split(',');
    if (value === undefined || percentile === undefined || total === undefined) continue;
    out.push({ percentile: Math.round(Number(percentile) * 1e10) / 1e8, valueUs: Math.round(Number(value)), totalCount: Number(total) });
  }
  return out;
}

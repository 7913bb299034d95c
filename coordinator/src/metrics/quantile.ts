import type { MetricSeries } from './etcd-sample.js';
import { parseNumber } from './prom-text.js';

/** Cumulative buckets with numeric bounds, ascending, the last one +Inf. */
export type Buckets = { le: number; count: number }[];

export function toBuckets(raw: readonly [string, number][] | undefined): Buckets {
  return (raw ?? [])
    .map(([le, count]) => ({ le: parseNumber(le) ?? NaN, count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
}

/**
 * What happened between two scrapes: later minus earlier, bucket by bucket. A counter that went down
 * means the member restarted (its counters begin again at zero), so the later value is the delta.
 */
export function bucketDelta(earlier: Buckets, later: Buckets): Buckets {
  const before = new Map(earlier.map((b) => [b.le, b.count]));
  const reset = later.some((b) => b.count < (before.get(b.le) ?? 0));
  return later.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (before.get(b.le) ?? 0) }));
}

/** Sums several histograms' buckets (e.g. peer round trips to every other member). */
export function addBuckets(list: Buckets[]): Buckets {
  const sum = new Map<number, number>();
  for (const b of list) for (const x of b) sum.set(x.le, (sum.get(x.le) ?? 0) + x.count);
  return [...sum.entries()].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count }));
}

/**
 * The q-quantile (0..1) of cumulative buckets, interpolated linearly within the bucket that holds it,
 * as Prometheus's histogram_quantile does: an estimate bounded by the bucket edges. Undefined without
 * observations. A quantile in the +Inf bucket is reported as the highest finite bound.
 */
export function histogramQuantile(q: number, buckets: Buckets): number | undefined {
  if (buckets.length === 0) return undefined;
  const total = (buckets[buckets.length - 1] as { count: number }).count;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      // The first bucket starts at 0 (durations are never negative).
      const lower = prevLe;
      return inBucket > 0 ? lower + (b.le - lower) * ((rank - prevCount) / inBucket) : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Observations in a delta (the +Inf bucket's count). */
export const bucketTotal = (b: Buckets): number => (b.length ? (b[b.length - 1] as { count: number }).count : 0);

/** The delta of a histogram series between two scrapes, labels matched exactly. */
export function seriesDelta(earlier: MetricSeries[] | undefined, later: MetricSeries[] | undefined, labels?: Record<string, string>): Buckets | undefined {
  const match = (s: MetricSeries) => JSON.stringify(s.labels ?? {}) === JSON.stringify(labels ?? {});
  const b = later?.find(match);
  if (!b?.buckets) return undefined;
  const a = earlier?.find(match);
  return bucketDelta(toBuckets(a?.buckets), toBuckets(b.buckets));
}

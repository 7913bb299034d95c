import { bucketHighest, bucketLowest, type Histogram } from '@etcdlab/common';

/** Upper bounds of the exported latency buckets, in seconds (100 us to 1 min; +Inf is added). */
export const LATENCY_LE_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** A Prometheus histogram: cumulative counts per bound (the last one +Inf), the sum of the observations. */
export interface PromHistogram {
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

interface Counts {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  countsArrayIndex(v: number): number;
}

/**
 * Cumulative buckets from a merged HDR histogram of integer microseconds (the standard layout). A
 * recorded value v stands for a latency in [v, v+1) us (agents truncate), so an HDR bucket counts toward
 * a bound only when all of it is below the bound: bucketHighest < le. The bounds above are multiples of
 * the HDR bucket widths at their size, so each is exact. The sum takes each bucket's middle, as
 * HdrHistogram's mean does.
 */
export function promHistogram(h: Histogram, leSeconds: readonly number[] = LATENCY_LE_SECONDS): PromHistogram {
  const x = h as unknown as Counts;
  const bounds = leSeconds.map((le) => Math.round(le * 1e6));
  const counts = new Array<number>(bounds.length).fill(0);
  let sumUs = 0;
  if (h.totalCount > 0) {
    const last = Math.min(x.countsArrayIndex(h.maxValue), x.countsArrayLength - 1);
    let b = 0;
    for (let i = 0; i <= last; i++) {
      const c = x.getCountAtIndex(i);
      if (c === 0) continue;
      const lo = bucketLowest(i);
      const hi = bucketHighest(i);
      sumUs += (lo + Math.floor((hi - lo + 1) / 2)) * c;
      while (b < bounds.length && hi >= (bounds[b] as number)) b++;
      if (b < bounds.length) counts[b] = (counts[b] as number) + c;
    }
  }
  let cum = 0;
  const buckets = bounds.map((_, k) => ({ le: leSeconds[k] as number, count: (cum += counts[k] as number) }));
  buckets.push({ le: Infinity, count: h.totalCount });
  return { buckets, count: h.totalCount, sum: sumUs / 1e6 };
}

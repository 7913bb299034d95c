import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pointsOf, spreadOf, t975 } from '../src/report/compare/points.js';
import type { CompareRow } from '../src/report/compare/model.js';

const row = (runId: string, x: number, ops: number, p99: number): CompareRow => ({
  runId,
  dir: `/r/${runId}`,
  members: x,
  x,
  workload: 'w',
  roles: { concurrentWrite: { phase: 'cw', opsPerSec: ops, p50Us: p99 / 3, p99Us: p99 } },
  main: { phase: 'cw', opsPerSec: ops, p50Us: p99 / 3, p99Us: p99 },
  verdict: 'NONE',
  warnings: 0,
  etcdFlags: 0,
});

describe('repeats: mean, spread and 95% confidence interval per point', () => {
  it('computes Student\'s t interval by hand for three runs', () => {
    const s = spreadOf([100, 110, 120]);
    expect(s).toMatchObject({ n: 3, mean: 110, min: 100, max: 120, sd: 10 });
    const half = (4.303 * 10) / Math.sqrt(3);
    expect(s.ci95?.[0]).toBeCloseTo(110 - half, 9);
    expect(s.ci95?.[1]).toBeCloseTo(110 + half, 9);
    expect(spreadOf([5]).ci95).toBeUndefined();
    expect(t975(2)).toBe(4.303);
  });

  it('takes Student\'s t beyond 30 degrees of freedom from the table, interpolated in 1/df, towards the normal\'s 1.96', () => {
    // The tabled entries as printed in every t table (two-sided 95%).
    expect([30, 40, 60, 120].map(t975)).toEqual([2.042, 2.021, 2.0, 1.98]);
    // Between them and beyond, within 0.001 of the exact quantiles (scipy.stats.t.ppf(0.975, df)).
    const exact: [number, number][] = [[35, 2.0301], [45, 2.0141], [70, 1.9944], [90, 1.9867], [150, 1.9759], [200, 1.9719], [1000, 1.9623], [1e6, 1.96]];
    for (const [df, t] of exact) expect(Math.abs(t975(df) - t), `df ${df}`).toBeLessThan(0.001);
    // Never below the normal's quantile, and falling as the degrees of freedom grow.
    const dfs = Array.from({ length: 400 }, (_, i) => i + 1);
    expect(dfs.every((d) => t975(d) >= 1.96 && t975(d + 1) < t975(d))).toBe(true);
    expect(t975(0)).toBe(Infinity);
    // 41 runs: the interval uses t(40), not the normal's 1.96.
    const s = spreadOf(Array.from({ length: 41 }, (_, i) => i));
    expect(((s.ci95 as [number, number])[1] - s.mean) / (s.sd / Math.sqrt(41))).toBeCloseTo(2.021, 9);
  });

  it('with 3 runs the interval always contains each run\'s own figure (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 3 }), (xs) => {
        const s = spreadOf(xs);
        const [lo, hi] = s.ci95 as [number, number];
        const eps = 1e-9 * Math.max(1, s.max);
        return xs.every((x) => x >= lo - eps && x <= hi + eps);
      }),
    );
  });

  it('groups runs by their place on the axis, in order, each point with its runs', () => {
    const pts = pointsOf([row('a', 1, 3000, 5000), row('b', 1, 1400, 9000), row('c', 3, 2000, 7000), row('d', 3, 2200, 7400), row('e', 3, 2100, 7200)], ['concurrentWrite']);
    expect(pts.map((p) => [p.x, p.runIds])).toEqual([
      [1, ['a', 'b']],
      [3, ['c', 'd', 'e']],
    ]);
    expect(pts[0]?.roles.concurrentWrite?.opsPerSec).toMatchObject({ n: 2, mean: 2200, min: 1400, max: 3000 });
    // Two runs 3,000 and 1,400 ops/s apart (as the 1-member point of two sweeps was): a wide interval.
    const ci = pts[0]?.roles.concurrentWrite?.opsPerSec.ci95 as [number, number];
    expect(ci[1] - ci[0]).toBeGreaterThan(10_000);
    expect(pts[1]?.main.p99Us.mean).toBeCloseTo(7200, 9);
  });
});

import { describe, expect, it } from 'vitest';
import { addBuckets, bucketDelta, bucketTotal, histogramQuantile, toBuckets } from '../src/metrics/index.js';
import { etcdWindow } from '../src/report/model/etcd-health.js';
import { fsyncSample } from './helpers/synthetic-run.js';

const b = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('histogram quantiles from Prometheus buckets', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 100 observations: 50 up to 1 ms, 40 in (1, 2], 10 in (2, 4].
    const buckets = b([[0.001, 50], [0.002, 90], [0.004, 100], [Infinity, 100]]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.001, 12);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.0005, 12);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.0015, 12);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.0038, 12);
  });

  it('gives the highest finite bound for a quantile in +Inf, and nothing without observations', () => {
    expect(histogramQuantile(0.99, b([[0.001, 1], [0.002, 1], [Infinity, 10]]))).toBe(0.002);
    expect(histogramQuantile(0.99, b([[0.001, 0], [Infinity, 0]]))).toBeUndefined();
    expect(histogramQuantile(0.99, [])).toBeUndefined();
  });

  it('takes deltas between scrapes and survives a member restart (counters from zero)', () => {
    const before = toBuckets([['0.001', 10], ['0.002', 12], ['+Inf', 12]]);
    const after = toBuckets([['0.001', 11], ['0.002', 20], ['+Inf', 21]]);
    expect(bucketDelta(before, after)).toEqual(b([[0.001, 1], [0.002, 8], [Infinity, 9]]));
    const restarted = toBuckets([['0.001', 2], ['0.002', 3], ['+Inf', 3]]);
    expect(bucketDelta(after, restarted)).toEqual(restarted);
    expect(bucketTotal(bucketDelta(before, after))).toBe(9);
  });

  it('adds the buckets of several series', () => {
    expect(addBuckets([b([[0.1, 1], [Infinity, 2]]), b([[0.1, 3], [Infinity, 3]])])).toEqual(b([[0.1, 4], [Infinity, 5]]));
  });
});

describe('etcd health over a window', () => {
  const t0 = 1_800_000_000_000;
  it('computes the fsync p99 of the window from bucket deltas and flags it above 10 ms', () => {
    // Before the window: 100 fast fsyncs. In it: 100 more, 5 of them between 8 and 16 ms.
    const samples = [fsyncSample('m1', t0, [100, 100, 100, 100]), fsyncSample('m1', t0 + 1000, [150, 180, 190, 195, 200]), fsyncSample('m1', t0 + 2000, [150, 180, 190, 195, 200])];
    const w = etcdWindow('m1', samples, t0 + 100, t0 + 900);
    expect(w.fsyncCount).toBe(100);
    // rank 99 of the delta (50, 80, 90, 95, 100): in (8 ms, 16 ms], 4/5 of the way.
    expect(w.fsyncP99Ms).toBeCloseTo(14.4, 6);
    // The same buckets for commits: 14.4 ms is under commit's 25 ms, so only fsync is flagged.
    expect(w.commitP99Ms).toBeCloseTo(14.4, 6);
    expect(w.flags.map((f) => f.metric)).toEqual(['wal fsync p99']);
    expect(w.flags[0]?.level).toBe('bad');
    expect(w.flags[0]?.message).toMatch(/WAL fsync p99 14\.4 ms is above 10 ms/);
    // The scrapes bracketing the window: the one before its start and the first after its end.
    expect(w.spanMs).toBe(1000);
  });

  it('flags a leader change, no leader, and failed scrapes', () => {
    const failed = { t: t0 + 500, member: 'm1', ok: false, error: 'ECONNREFUSED' };
    const samples = [fsyncSample('m1', t0, [1]), failed, fsyncSample('m1', t0 + 1000, [2], { leaderChanges: 3, hasLeader: 0 })];
    const w = etcdWindow('m1', samples, t0, t0 + 1000);
    expect(w.leaderChanges).toBe(2);
    expect(w.hasLeaderMin).toBe(0);
    expect(w.failedScrapes).toBe(1);
    expect(w.flags.map((f) => [f.metric, f.level])).toEqual([
      ['leader changes', 'bad'],
      ['has leader', 'bad'],
      ['scrapes', 'warn'],
    ]);
  });

  it('has no figures without two good scrapes', () => {
    const w = etcdWindow('m1', [fsyncSample('m1', t0, [1])], t0, t0 + 1000);
    expect(w.fsyncP99Ms).toBeUndefined();
    expect(w.flags).toEqual([]);
  });
});

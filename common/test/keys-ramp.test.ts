import { describe, expect, it } from 'vitest';
import { KeyPicker, ZipfSampler } from '../src/workload/keys.js';
import { RateSchedule } from '../src/workload/ramp.js';
import { seededRandom } from '../src/patterns/rng.js';
import type { AgentPhasePlan } from '../src/workload/plan-schema.js';

const keys = (over: Partial<AgentPhasePlan['keys']>): AgentPhasePlan['keys'] => ({ prefix: 'ns/k/', distribution: 'uniform', space: 1000, start: 0, count: 1000, width: 3, ...over });

describe('key distributions', () => {
  it('zipf draws ranks with probability proportional to 1/k^s', () => {
    for (const s of [0.5, 0.99, 1, 1.5]) {
      const n = 50;
      const z = new ZipfSampler(n, s, seededRandom(7));
      const counts = new Array<number>(n + 1).fill(0);
      const draws = 200_000;
      for (let i = 0; i < draws; i++) counts[z.next()]!++;
      const norm = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s).reduce((a, b) => a + b, 0);
      for (const k of [1, 2, 3, 10, 50]) {
        const expected = draws / (k ** s * norm);
        // Within 5 standard deviations of a binomial count.
        expect(Math.abs((counts[k] as number) - expected)).toBeLessThan(5 * Math.sqrt(expected) + 1);
      }
      expect(counts[0]).toBe(0);
    }
  });

  it('zipf works for huge key spaces without a table', () => {
    const z = new ZipfSampler(1e12, 0.99, seededRandom(1));
    for (let i = 0; i < 1000; i++) {
      const k = z.next();
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(1e12);
    }
  });

  it('a hot set gets its share of the operations', () => {
    const p = new KeyPicker(keys({ distribution: 'hot', hot: { keys: 0.2, ops: 0.8 } }), seededRandom(3));
    let hot = 0;
    for (let i = 0; i < 100_000; i++) if (p.index(i) < 200) hot++;
    expect(hot / 100_000).toBeGreaterThan(0.79);
    expect(hot / 100_000).toBeLessThan(0.81);
  });

  it('sequential keys follow the operation number within the agent\'s slice; uniform covers the space', () => {
    const seq = new KeyPicker(keys({ distribution: 'sequential', start: 100, count: 50 }));
    expect([0, 1, 49, 50].map((j) => seq.index(j))).toEqual([100, 101, 149, 100]);
    const uni = new KeyPicker(keys({}), seededRandom(9));
    const seen = new Set(Array.from({ length: 20_000 }, (_, j) => uni.index(j)));
    expect(seen.size).toBe(1000);
  });

  it('pads keys to a fixed or ranged size; a key never changes size', () => {
    const fixed = new KeyPicker(keys({ width: 8 }));
    expect(fixed.key(42)).toBe('ns/k/00000042');
    const ranged = new KeyPicker(keys({ size: { min: 10, max: 20 } }));
    const lens = Array.from({ length: 1000 }, (_, i) => ranged.key(i).length - 'ns/k/'.length);
    expect(Math.min(...lens)).toBe(10);
    expect(Math.max(...lens)).toBe(20);
    expect(ranged.key(7)).toBe(ranged.key(7));
    expect(ranged.key(7).startsWith('ns/k/007')).toBe(true);
  });
});

describe('open-loop rate schedules', () => {
  it('a constant rate gives t = n / r', () => {
    const s = new RateSchedule(250);
    expect(s.timeOf(0)).toBe(0);
    expect(s.timeOf(1)).toBeCloseTo(4, 9);
    expect(s.timeOf(1000)).toBeCloseTo(4000, 9);
    expect(s.opsBy(2000)).toBeCloseTo(500, 9);
  });

  it('a ramp integrates the rate: ops due by t match the area under the ramp, and timeOf inverts opsBy', () => {
    const s = new RateSchedule(100, [
      { target: 1000, durationMs: 10_000 },
      { target: 1000, durationMs: 5_000 },
      { target: 0, durationMs: 2_000 },
    ]);
    expect(s.opsBy(10_000)).toBeCloseTo(5500, 6); // (100 + 1000) / 2 * 10 s
    expect(s.opsBy(15_000)).toBeCloseTo(10_500, 6);
    expect(s.opsBy(17_000)).toBeCloseTo(11_500, 6);
    expect(s.rateAt(5000)).toBeCloseTo(550, 6);
    for (const n of [0, 1, 10, 999, 5500, 8000, 11_000, 11_499]) expect(s.opsBy(s.timeOf(n))).toBeCloseTo(n, 5);
    // Due times never go backwards.
    let last = -1;
    for (let n = 0; n < 11_500; n += 37) {
      const t = s.timeOf(n);
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    // The rate ends at 0: later operations are never due.
    expect(s.timeOf(11_501)).toBe(Infinity);
  });

  it('a ramp from zero starts with its first operation at t = 0 and a slow start', () => {
    const s = new RateSchedule(0, [{ target: 100, durationMs: 10_000 }]);
    expect(s.timeOf(0)).toBe(0);
    expect(s.timeOf(1)).toBeCloseTo(Math.sqrt(1 / 5) * 1000, 6);
    expect(s.timeOf(500)).toBeCloseTo(10_000, 6);
    expect(s.timeOf(600)).toBeCloseTo(11_000, 6);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findKnee } from '../src/report/compare/knee.js';
import { uslLimits } from '../src/report/compare/model.js';
import { fitUsl, USL_MIN_POINTS, uslAt } from '../src/report/compare/usl.js';

describe('Universal Scalability Law fit', () => {
  it('recovers the parameters of points made from the law', () => {
    const truth = { sigma: 0.05, kappa: 0.002, lambda: 1000 };
    const points = [1, 2, 4, 8, 16, 32, 64].map((n) => ({ n, x: uslAt(n, truth) }));
    const fit = fitUsl(points);
    expect(fit?.sigma).toBeCloseTo(0.05, 4);
    expect(fit?.kappa).toBeCloseTo(0.002, 6);
    expect(fit?.lambda).toBeCloseTo(1000, 2);
    expect(fit?.r2).toBeCloseTo(1, 9);
    // Peak at sqrt((1 - sigma) / kappa).
    expect(fit?.peakN).toBeCloseTo(Math.sqrt(0.95 / 0.002), 2);
  });

  it('fits the shrinking throughput of growing clusters (contention, no gain per member)', () => {
    // Writes over 1, 3, 5, 7 members: every member added costs.
    const points = [
      { n: 1, x: 850 },
      { n: 3, x: 610 },
      { n: 5, x: 520 },
      { n: 7, x: 430 },
    ];
    const fit = fitUsl(points);
    expect(fit).toBeDefined();
    expect(fit?.sigma).toBeGreaterThan(0.3);
    for (const p of points) expect(Math.abs(uslAt(p.n, fit as NonNullable<typeof fit>) - p.x) / p.x).toBeLessThan(0.08);
  });

  it('gets close on noisy measurements and never returns parameters out of range (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.01, noNaN: true }), fc.double({ min: 10, max: 1e5, noNaN: true }), fc.array(fc.double({ min: -0.02, max: 0.02, noNaN: true }), { minLength: 6, maxLength: 6 }), (sigma, kappa, lambda, noise) => {
        const ns = [1, 2, 4, 8, 16, 32];
        const points = ns.map((n, i) => ({ n, x: uslAt(n, { sigma, kappa, lambda }) * (1 + (noise[i] as number)) }));
        const fit = fitUsl(points);
        expect(fit).toBeDefined();
        const f = fit as NonNullable<typeof fit>;
        expect(f.sigma).toBeGreaterThanOrEqual(0);
        expect(f.sigma).toBeLessThanOrEqual(1);
        expect(f.kappa).toBeGreaterThanOrEqual(0);
        // The fitted curve is within a few per cent of every measured point.
        for (const p of points) expect(Math.abs(uslAt(p.n, f) - p.x) / p.x).toBeLessThan(0.06);
      }),
      { numRuns: 30 },
    );
  }, 60_000);

  it('says its limits: the measured range, a peak outside it as an extrapolation, a poor fit as poor', () => {
    // Known parameters: the peak sqrt((1 - 0.05) / 0.002) = 21.8 clients, inside 1..64 but outside 1..8.
    const truth = { sigma: 0.05, kappa: 0.002, lambda: 1000 };
    const wide = [1, 2, 4, 8, 16, 32, 64].map((n) => ({ n, x: uslAt(n, truth) }));
    const fitWide = fitUsl(wide)!;
    expect(uslLimits(fitWide, wide.map((p) => p.n))).toEqual(['measured from 1 to 64 clients; the curve is drawn only there']);
    const narrow = wide.slice(0, 4);
    const fitNarrow = fitUsl(narrow)!;
    expect(fitNarrow.peakN).toBeGreaterThan(8);
    expect(uslLimits(fitNarrow, narrow.map((p) => p.n))[1]).toMatch(/^its peak \(\d+ clients\) lies outside the measured range: an extrapolation/);
    const zigzag = [1, 2, 4, 8, 16].map((n, i) => ({ n, x: i % 2 ? 100 : 1000 }));
    const poor = fitUsl(zigzag)!;
    expect(poor.r2).toBeLessThan(0.9);
    expect(uslLimits(poor, zigzag.map((p) => p.n)).some((l) => l.startsWith('a poor fit (R²'))).toBe(true);
  });

  it('needs enough different sizes, and gives the same fit every time', () => {
    expect(USL_MIN_POINTS).toBe(4);
    expect(fitUsl([{ n: 1, x: 1 }, { n: 3, x: 2 }, { n: 5, x: 3 }])).toBeUndefined();
    expect(fitUsl([{ n: 1, x: 1 }, { n: 1, x: 2 }, { n: 3, x: 3 }, { n: 3, x: 3 }, { n: 5, x: 3 }])).toBeUndefined();
    expect(fitUsl([1, 2, 3, 4].map((n) => ({ n, x: 0 })))).toBeUndefined();
    const pts = [1, 3, 5, 7].map((n) => ({ n, x: 100 * n ** 0.5 }));
    expect(fitUsl(pts)).toEqual(fitUsl(pts));
  });
});

describe('throughput knee of a client sweep', () => {
  const p = (clients: number, opsPerSec: number, p99Us = clients * 100) => ({ clients, opsPerSec, p50Us: p99Us / 4, p99Us });

  it('finds where more clients stop buying throughput', () => {
    const r = findKnee([p(1, 500), p(2, 980), p(4, 1900), p(8, 3300), p(16, 3900), p(32, 4050), p(64, 4000)]);
    expect(r?.best.clients).toBe(32);
    // 8 -> 16 still buys 18% more; 16 -> 32 only 4%: the plateau (within 3% of the best) runs to 64.
    expect(r?.knee?.clients).toBe(16);
  });

  it('is not fooled by noise: a plateau whose best came early, a bend too small to matter', () => {
    // 8 clients won by 0.5%: the plateau still runs to 64, and the knee is where it started.
    const noisy = findKnee([p(1, 500), p(2, 980), p(4, 1900), p(8, 4020), p(16, 4000), p(32, 3990), p(64, 4001)]);
    expect(noisy?.best.clients).toBe(8);
    expect(noisy?.knee?.clients).toBe(8);
    // A nearly straight rise (on the log axis) with jitter: no knee claimed.
    const straight = findKnee([p(1, 1000), p(2, 2010), p(4, 2990), p(8, 4000), p(16, 5000)]);
    expect(straight?.knee).toBeUndefined();
  });

  it('names the best point even without a knee, and nothing without points', () => {
    expect(findKnee([p(1, 500), p(2, 900)])).toEqual({ best: p(2, 900), why: 'needs 3 client counts or more up to the best throughput (2 here)' });
    // Rising faster and faster up to the best point: nothing levels off.
    expect(findKnee([p(1, 100), p(2, 150), p(4, 300), p(8, 1000)])?.why).toBe('throughput did not level off before its best point (8 clients)');
    expect(findKnee([p(4, 100), p(1, 500), p(2, 400)])?.best.clients).toBe(1);
    expect(findKnee([])).toBeUndefined();
  });
});

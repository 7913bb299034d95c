import type { RateStage } from './spec.js';

interface Segment {
  t0: number;
  t1: number;
  r0: number;
  r1: number;
  /** Operations due before t0. */
  n0: number;
}

/**
 * An open-loop schedule: the rate starts at `start` ops/s and moves linearly through each stage's target
 * (k6's ramping arrival rate); after the last stage it holds. Operation n (0-based) is due when the
 * integral of the rate reaches n, so operation 0 is due at t = 0 and a constant rate r gives t = n / r.
 * Times are in ms from the schedule's start.
 */
export class RateSchedule {
  private readonly segments: Segment[] = [];
  private readonly tailRate: number;
  private readonly tailT0: number;
  private readonly tailN0: number;

  constructor(start: number, stages: readonly RateStage[] = []) {
    let t = 0;
    let r = start;
    let n = 0;
    for (const s of stages) {
      if (s.durationMs <= 0) {
        r = s.target;
        continue;
      }
      const seg = { t0: t, t1: t + s.durationMs, r0: r, r1: s.target, n0: n };
      this.segments.push(seg);
      n += ((r + s.target) / 2) * (s.durationMs / 1000);
      t = seg.t1;
      r = s.target;
    }
    this.tailRate = r;
    this.tailT0 = t;
    this.tailN0 = n;
  }

  /** Rate in ops/s at time t (ms). */
  rateAt(tMs: number): number {
    for (const s of this.segments) if (tMs < s.t1) return s.r0 + ((s.r1 - s.r0) * (tMs - s.t0)) / (s.t1 - s.t0);
    return this.tailRate;
  }

  /** Operations due in [0, t) ms. */
  opsBy(tMs: number): number {
    for (const s of this.segments) {
      if (tMs >= s.t1) continue;
      const dt = Math.max(0, tMs - s.t0) / 1000;
      return s.n0 + s.r0 * dt + ((s.r1 - s.r0) / ((s.t1 - s.t0) / 1000)) * (dt * dt) / 2;
    }
    return this.tailN0 + (this.tailRate * Math.max(0, tMs - this.tailT0)) / 1000;
  }

  /** When operation n is due (ms), or Infinity when the rate never gets there. */
  timeOf(n: number): number {
    for (const s of this.segments) {
      const d = (s.t1 - s.t0) / 1000;
      const nEnd = s.n0 + ((s.r0 + s.r1) / 2) * d;
      if (n >= nEnd) continue;
      const a = (s.r1 - s.r0) / (2 * d);
      const m = n - s.n0;
      // Root of a t^2 + r0 t = m, written so that it stays exact when a is 0 or negative.
      const disc = s.r0 * s.r0 + 4 * a * m;
      const dt = m === 0 ? 0 : (2 * m) / (s.r0 + Math.sqrt(Math.max(0, disc)));
      return s.t0 + dt * 1000;
    }
    if (this.tailRate <= 0) return Infinity;
    return this.tailT0 + ((n - this.tailN0) / this.tailRate) * 1000;
  }

  /** Total ms of the ramp stages. */
  get stagesMs(): number {
    return this.tailT0;
  }
}

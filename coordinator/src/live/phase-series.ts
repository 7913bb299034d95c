import { addSparse, type Histogram, type IntervalReport, isObservation, latencyStats, newMergeHistogram, type OpInterval, type SparseHistogram } from '@etcdlab/common';

/** One op's second: successes and errors per second, percentiles (us) of the merged interval histogram. */
export interface SeriesPoint {
  /** Seconds from the phase's measured start. */
  t: number;
  /** The interval's start, coordinator clock (ms). */
  startMs: number;
  okPerSec: number;
  errorsPerSec: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  /** Reports of it came after it was closed: its counts are whole, its percentiles are not. */
  late?: boolean;
}

interface Slot {
  h: Histogram;
  count: number;
  errors: number;
}

/** Intervals older than this many behind the newest are closed even if an agent has not reported them (a lost agent). */
const CLOSE_LAG_INTERVALS = 5;

/**
 * Per op and second of one phase, for the live page: the interval reports' histograms as the merger
 * decoded them (PhaseMerger's onMerged), merged per interval start across agents, and closed into a point
 * once every agent of the phase has reported a later interval. Histograms of closed intervals go back to
 * a small pool; at most `maxPoints` points are kept per op (the latest).
 */
export class PhaseSeries {
  private readonly open = new Map<number, Map<string, Slot>>();
  private readonly points = new Map<string, SeriesPoint[]>();
  private readonly closed = new Map<number, Map<string, SeriesPoint>>();
  private readonly watermark = new Map<string, number>();
  private readonly pool: Histogram[] = [];
  private newest = -Infinity;

  constructor(
    private readonly measuredAtMs: number,
    private readonly intervalMs: number,
    private readonly agentIds: readonly string[],
    private readonly maxPoints = 600,
  ) {}

  add(r: IntervalReport, op: OpInterval, decoded: SparseHistogram): void {
    const start = r.intervalStartMs;
    const errors = Object.values(op.errors).reduce((a, b) => a + b, 0);
    const sec = this.intervalMs / 1000;
    const done = this.closed.get(start)?.get(op.op);
    if (done || this.closed.has(start)) {
      const p = done ?? this.pointFor(start, op.op, { h: newMergeHistogram(), count: 0, errors: 0 });
      p.okPerSec += op.count / sec;
      p.errorsPerSec += errors / sec;
      p.late = true;
    } else {
      let ops = this.open.get(start);
      if (!ops) this.open.set(start, (ops = new Map()));
      let slot = ops.get(op.op);
      if (!slot) ops.set(op.op, (slot = { h: this.pool.pop() ?? newMergeHistogram(), count: 0, errors: 0 }));
      if (decoded.total > 0) addSparse(slot.h, decoded);
      slot.count += op.count;
      slot.errors += errors;
    }
    if (start > (this.watermark.get(r.agentId) ?? -Infinity)) {
      this.watermark.set(r.agentId, start);
      this.newest = Math.max(this.newest, start);
      // Strictly before the lowest watermark: the rest of this very report (its other ops) is still to come.
      this.closeUpTo(this.settled(), false);
    }
  }

  /** Every point so far per op, intervals every agent has moved past (or, with `all`, every interval) closed first. */
  series(all = false): Map<string, SeriesPoint[]> {
    this.closeUpTo(all ? Infinity : this.settled(), true);
    return this.points;
  }

  /** The last closed point of every op that is a request (watch events left out), summed: the phase's latest second. */
  latest(): { t: number; okPerSec: number; errorsPerSec: number } | undefined {
    let t = -Infinity;
    for (const [op, pts] of this.series()) if (!isObservation(op)) t = Math.max(t, pts.at(-1)?.t ?? -Infinity);
    if (!Number.isFinite(t)) return undefined;
    let okPerSec = 0;
    let errorsPerSec = 0;
    for (const [op, pts] of this.points) {
      const p = isObservation(op) ? undefined : pts.at(-1);
      if (p && p.t === t) {
        okPerSec += p.okPerSec;
        errorsPerSec += p.errorsPerSec;
      }
    }
    return { t, okPerSec, errorsPerSec };
  }

  /** The lowest interval start every agent has reported (or the newest less the lag, when one is silent). */
  private settled(): number {
    const low = this.watermark.size === this.agentIds.length ? Math.min(...this.watermark.values()) : -Infinity;
    return Math.max(low, this.newest - CLOSE_LAG_INTERVALS * this.intervalMs);
  }

  private closeUpTo(limit: number, inclusive: boolean): void {
    for (const start of [...this.open.keys()].sort((a, b) => a - b)) {
      if (inclusive ? start > limit : start >= limit) break;
      for (const [op, slot] of this.open.get(start) as Map<string, Slot>) {
        this.pointFor(start, op, slot);
        slot.h.reset();
        if (this.pool.length < 32) this.pool.push(slot.h);
      }
      this.open.delete(start);
    }
  }

  private pointFor(start: number, op: string, slot: Slot): SeriesPoint {
    const s = latencyStats(slot.h);
    const sec = this.intervalMs / 1000;
    const p: SeriesPoint = { t: (start - this.measuredAtMs) / 1000, startMs: start, okPerSec: slot.count / sec, errorsPerSec: slot.errors / sec, p50Us: s.p50, p99Us: s.p99, maxUs: s.max };
    let pts = this.points.get(op);
    if (!pts) this.points.set(op, (pts = []));
    pts.push(p);
    pts.sort((a, b) => a.t - b.t);
    let byOp = this.closed.get(start);
    if (!byOp) this.closed.set(start, (byOp = new Map()));
    byOp.set(op, p);
    if (pts.length > this.maxPoints) {
      const dropped = pts.splice(0, pts.length - this.maxPoints);
      for (const d of dropped) {
        const other = this.closed.get(d.startMs);
        other?.delete(op);
        if (other?.size === 0) this.closed.delete(d.startMs);
      }
    }
    return p;
  }
}

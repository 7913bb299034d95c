import { encodeHistogram, type Histogram, newAgentHistogram, type OpInterval, type OpName, recordUs } from '@etcdlab/common';

interface OpSlot {
  interval: Histogram;
  intervalCount: number;
  intervalErrors: Record<string, number>;
  final: Histogram;
  finalCount: number;
  finalErrors: Record<string, number>;
}

export interface ClosedInterval {
  index: number;
  ops: OpInterval[];
}

/**
 * Records one phase's operations into per-op histograms for the current interval and, independently,
 * for the whole phase. The whole-phase histograms let the coordinator check that the intervals it merged
 * add up to what the agent measured. Intervals are numbered from the phase's intended start.
 */
export class PhaseRecorder {
  private readonly slots = new Map<OpName, OpSlot>();
  private current = 0;

  constructor(
    /** performance.now() of interval 0's start. */
    private readonly originPerf: number,
    private readonly intervalMs: number,
    private readonly onClose: (interval: ClosedInterval) => void,
  ) {}

  private slot(op: OpName): OpSlot {
    let s = this.slots.get(op);
    if (!s) {
      s = { interval: newAgentHistogram(), intervalCount: 0, intervalErrors: {}, final: newAgentHistogram(), finalCount: 0, finalErrors: {} };
      this.slots.set(op, s);
    }
    return s;
  }

  /** Closes every interval that ended before `nowPerf`. */
  advance(nowPerf: number): void {
    const idx = Math.max(0, Math.floor((nowPerf - this.originPerf) / this.intervalMs));
    while (this.current < idx) this.close();
  }

  success(op: OpName, latencyUs: number, nowPerf: number): void {
    this.advance(nowPerf);
    const s = this.slot(op);
    recordUs(s.interval, latencyUs);
    recordUs(s.final, latencyUs);
    s.intervalCount++;
    s.finalCount++;
  }

  failure(op: OpName, code: string, nowPerf: number): void {
    this.advance(nowPerf);
    const s = this.slot(op);
    s.intervalErrors[code] = (s.intervalErrors[code] ?? 0) + 1;
    s.finalErrors[code] = (s.finalErrors[code] ?? 0) + 1;
  }

  /** Closes the interval in progress (at the end of the phase). */
  finish(nowPerf: number): void {
    this.advance(nowPerf);
    this.close();
  }

  finals(): OpInterval[] {
    return [...this.slots.entries()].map(([op, s]) => ({ op, count: s.finalCount, errors: { ...s.finalErrors }, histogram: encodeHistogram(s.final) }));
  }

  private close(): void {
    const ops: OpInterval[] = [];
    for (const [op, s] of this.slots) {
      if (s.intervalCount === 0 && Object.keys(s.intervalErrors).length === 0) continue;
      ops.push({ op, count: s.intervalCount, errors: s.intervalErrors, histogram: encodeHistogram(s.interval) });
      s.interval.reset();
      s.intervalCount = 0;
      s.intervalErrors = {};
    }
    this.onClose({ index: this.current, ops });
    this.current++;
  }
}

import type { OpInterval } from '@etcdlab/common';
// Hot path: plain bucket counts with the HDR layout; real HDR histograms only when an interval is encoded.
import { LatencyCounts } from './load/latency-counts.js';

interface OpSlot {
  interval: LatencyCounts;
  intervalCount: number;
  intervalErrors: Record<string, number>;
  final: LatencyCounts;
  finalCount: number;
  finalErrors: Record<string, number>;
  /** Open loop: service times of the same operations, created on first use. */
  intervalService: LatencyCounts | undefined;
  finalService: LatencyCounts | undefined;
}

export interface ClosedInterval {
  index: number;
  ops: OpInterval[];
  /** Operations that started during the warm-up and ended in this interval (reported apart, flagged). */
  warmupOps: OpInterval[];
  /** Failed requests of the interval (after the warm-up) by the endpoint they were sent to: which member clients felt a fault on. */
  errorEndpoints: Record<string, number>;
}

/**
 * Records one phase's operations into per-op histograms for the current interval and, independently,
 * for the whole phase. The whole-phase histograms let the coordinator check that the intervals it merged
 * add up to what the agent measured. Intervals are numbered from the phase's intended start.
 *
 * Operations that started during a warm-up are recorded apart (`warmup`): they go into their interval's
 * warm-up report and never into the whole-phase histograms. In open loop each operation may carry its
 * service time (from the actual send) beside its latency (from the intended start).
 */
export class PhaseRecorder {
  private readonly slots = new Map<string, OpSlot>();
  private readonly warmupSlots = new Map<string, OpSlot>();
  private errorEndpoints: Record<string, number> = {};
  private current: number;

  constructor(
    /** performance.now() of interval 0's start. */
    private readonly originPerf: number,
    private readonly intervalMs: number,
    private readonly onClose: (interval: ClosedInterval) => void,
    /** A rejoin starts in the interval in progress: the earlier ones were another process's. */
    firstIndex = 0,
  ) {
    this.current = firstIndex;
  }

  /** The interval in progress as it stands, without closing it (a checkpoint). */
  peek(): ClosedInterval {
    return { index: this.current, ops: snapshot(this.slots), warmupOps: snapshot(this.warmupSlots), errorEndpoints: { ...this.errorEndpoints } };
  }

  private slot(op: string, warmup: boolean): OpSlot {
    const slots = warmup ? this.warmupSlots : this.slots;
    let s = slots.get(op);
    if (!s) {
      s = {
        interval: new LatencyCounts(),
        intervalCount: 0,
        intervalErrors: {},
        final: new LatencyCounts(true),
        finalCount: 0,
        finalErrors: {},
        intervalService: undefined,
        finalService: undefined,
      };
      slots.set(op, s);
    }
    return s;
  }

  /** Closes every interval that ended before `nowPerf`. */
  advance(nowPerf: number): void {
    const idx = Math.max(0, Math.floor((nowPerf - this.originPerf) / this.intervalMs));
    while (this.current < idx) this.close();
  }

  success(op: string, latencyUs: number, nowPerf: number, serviceUs?: number, warmup = false): void {
    this.advance(nowPerf);
    const s = this.slot(op, warmup);
    s.interval.record(latencyUs);
    s.intervalCount++;
    if (serviceUs !== undefined) (s.intervalService ??= new LatencyCounts()).record(serviceUs);
    if (warmup) return;
    s.final.record(latencyUs);
    s.finalCount++;
    if (serviceUs !== undefined) (s.finalService ??= new LatencyCounts(true)).record(serviceUs);
  }

  failure(op: string, code: string, nowPerf: number, warmup = false, endpoint?: string): void {
    this.advance(nowPerf);
    const s = this.slot(op, warmup);
    s.intervalErrors[code] = (s.intervalErrors[code] ?? 0) + 1;
    if (!warmup) s.finalErrors[code] = (s.finalErrors[code] ?? 0) + 1;
    if (!warmup && endpoint !== undefined) this.errorEndpoints[endpoint] = (this.errorEndpoints[endpoint] ?? 0) + 1;
  }

  /** Closes the interval in progress (at the end of the phase). */
  finish(nowPerf: number): void {
    this.advance(nowPerf);
    this.close();
  }

  finals(): OpInterval[] {
    return [...this.slots.entries()].map(([op, s]) => ({
      op,
      count: s.finalCount,
      errors: { ...s.finalErrors },
      histogram: s.final.encode(),
      ...(s.finalService ? { serviceHistogram: s.finalService.encode() } : {}),
    }));
  }

  private close(): void {
    const errorEndpoints = this.errorEndpoints;
    this.errorEndpoints = {};
    this.onClose({ index: this.current, ops: drain(this.slots), warmupOps: drain(this.warmupSlots), errorEndpoints });
    this.current++;
  }
}

function snapshot(slots: Map<string, OpSlot>): OpInterval[] {
  const ops: OpInterval[] = [];
  for (const [op, s] of slots) {
    if (s.intervalCount === 0 && Object.keys(s.intervalErrors).length === 0) continue;
    ops.push({ op, count: s.intervalCount, errors: { ...s.intervalErrors }, histogram: s.interval.encode(), ...(s.intervalService ? { serviceHistogram: s.intervalService.encode() } : {}) });
  }
  return ops;
}

/** The interval's per-op reports; resets the interval histograms (whole-phase ones are kept). */
function drain(slots: Map<string, OpSlot>): OpInterval[] {
  const ops: OpInterval[] = [];
  for (const [op, s] of slots) {
    if (s.intervalCount === 0 && Object.keys(s.intervalErrors).length === 0) continue;
    // Service times are reported whenever this op has any, so interval and whole-phase sets line up.
    ops.push({ op, count: s.intervalCount, errors: s.intervalErrors, histogram: s.interval.encode(), ...(s.intervalService ? { serviceHistogram: s.intervalService.encode() } : {}) });
    s.interval.reset();
    s.intervalService?.reset();
    s.intervalCount = 0;
    s.intervalErrors = {};
  }
  return ops;
}

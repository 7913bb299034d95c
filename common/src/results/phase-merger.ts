import { type Histogram, encodeHistogram, newMergeHistogram } from '../histogram.js';
import { latencyStats, OpAccumulator } from './stats.js';
import { SparseDecoder, SparseSum, type SparseHistogram, addSparse, decodeSparse, sparseMaxValue } from '../histogram-sparse.js';
import type { IntervalReport, OpInterval, PhaseDone } from '../protocol/messages.js';
import { SeqRanges } from './seq-ranges.js';
import { type AgentPhaseSummary, cpuCoresOf, type IntegrityMismatch, type IntervalStat, type OpSummary, type PhaseSummary } from './summary.js';

/** One agent's sums for the integrity check: compact sparse sums, not 188 KB histograms (1,000 agents x 10 ops). */
interface AgentAccumulator {
  sum: SparseSum;
  count: number;
  errorsByCode: Record<string, number>;
  service?: SparseSum;
}

function addIntoAgent(acc: AgentAccumulator, op: OpInterval, decoded: SparseHistogram, service: SparseHistogram | undefined): void {
  if (service) (acc.service ??= new SparseSum()).add(service);
  acc.sum.add(decoded);
  acc.count += op.count;
  for (const [code, n] of Object.entries(op.errors)) acc.errorsByCode[code] = (acc.errorsByCode[code] ?? 0) + n;
}

/** What watchers observe (one per event): kept per op, but not operations of the phase (`all`, intervals). */
export const isObservation = (op: string): boolean => op === 'watch-event' || op === 'watch-event-untimed';

const EMPTY_HISTOGRAM = encodeHistogram(newMergeHistogram());

const errorTotal = (e: Record<string, number>): number => Object.values(e).reduce((a, b) => a + b, 0);

interface OpenInterval {
  all: Histogram;
  count: number;
  errors: number;
}

export interface PhaseMergerOptions {
  phase: string;
  agentIds: readonly string[];
  intervalMs: number;
  startAtMs: number;
  /**
   * An interval is finalized (its histogram dropped, its stats kept) once every agent has reported an
   * interval this many intervals later. Bounds memory on long phases while tolerating reordering.
   */
  finalizeLagIntervals?: number;
  /**
   * Each op of each measured report as it is merged, with its decoded histogram (valid during the call
   * only): a read-only look for the live view, so it never decodes a report a second time.
   */
  onMerged?(report: IntervalReport, op: OpInterval, decoded: SparseHistogram): void;
}

/** What the live merge knows of a phase; the run's summary is derived from the results folder (report model). */
export type LivePhaseSummary = Omit<PhaseSummary, 'outcome' | 'reasons' | 'droppedStarts' | 'events' | 'openLoop'>;

/** The maxima of one report's histograms, by op position (service: open-loop ops only). */
export interface IntervalMaxima {
  latencyUs: number[];
  serviceUs: (number | undefined)[];
}

export interface LiveStats {
  phase: string;
  elapsedSec: number;
  /** Cumulative successful requests and errors of the phase (watch events left out). */
  count: number;
  errors: number;
  /** The latest interval every agent has reported (undefined before there is one): its rates and percentiles. */
  interval?: { offsetSec: number; opsPerSec: number; startedPerSec: number; p50Us: number; p99Us: number };
  agentsReporting: number;
}

/**
 * Merges one phase's interval reports from many agents. Intervals are keyed by their start in coordinator
 * time, so arrival order never matters; duplicates (resends after a reconnect) are dropped by agent+seq.
 * Totals are 64-bit histograms; percentiles are only ever read from merged histograms, never averaged.
 */
export class PhaseMerger {
  readonly phase: string;
  private readonly opts: Required<Omit<PhaseMergerOptions, 'onMerged'>> & Pick<PhaseMergerOptions, 'onMerged'>;
  private readonly totals = new Map<string, OpAccumulator>();
  /** By agent, then by instance (a restarted agent process is another instance): the integrity sums. */
  private readonly perAgent = new Map<string, Map<string, Map<string, AgentAccumulator>>>();
  private readonly seen = new Map<string, SeqRanges>();
  private readonly open = new Map<number, OpenInterval>();
  private readonly finalized = new Map<number, IntervalStat>();
  private readonly watermark = new Map<string, number>();
  private readonly cpuUs = new Map<string, number>();
  private readonly done = new Map<string, PhaseDone>();
  private lateStarts = 0;
  /** Reused decoders (results valid until the next decode): a report's histograms are added at once. */
  private readonly decoder = new SparseDecoder();
  private readonly serviceDecoder = new SparseDecoder();
  private maxima: IntervalMaxima = { latencyUs: [], serviceUs: [] };

  constructor(opts: PhaseMergerOptions) {
    this.phase = opts.phase;
    this.opts = { finalizeLagIntervals: 5, ...opts };
  }

  /** Merges one report; returns false for a duplicate (same agent, instance and seq). */
  addInterval(r: IntervalReport): boolean {
    const key = `${r.agentId}/${r.instance}`;
    let seen = this.seen.get(key);
    if (!seen) this.seen.set(key, (seen = new SeqRanges()));
    if (!seen.add(r.seq)) return false;
    this.maxima = { latencyUs: [], serviceUs: [] };
    // Warm-up intervals are in the raw logs only; they never count toward the phase.
    if (r.warmup) {
      for (const op of r.ops) {
        this.maxima.latencyUs.push(sparseMaxValue(this.decoder.decode(op.histogram)));
        this.maxima.serviceUs.push(op.serviceHistogram ? sparseMaxValue(this.serviceDecoder.decode(op.serviceHistogram)) : undefined);
      }
      return true;
    }
    this.cpuUs.set(r.agentId, (this.cpuUs.get(r.agentId) ?? 0) + r.cpuUs);
    this.lateStarts += r.lateStarts;

    let instances = this.perAgent.get(r.agentId);
    if (!instances) this.perAgent.set(r.agentId, (instances = new Map()));
    let agentOps = instances.get(r.instance);
    if (!agentOps) instances.set(r.instance, (agentOps = new Map()));
    const stat = this.finalized.get(r.intervalStartMs);
    let slot = stat ? undefined : this.open.get(r.intervalStartMs);
    if (!stat && !slot) this.open.set(r.intervalStartMs, (slot = { all: newMergeHistogram(), count: 0, errors: 0 }));

    for (const op of r.ops) {
      const decoded = this.decoder.decode(op.histogram);
      const service = op.serviceHistogram ? this.serviceDecoder.decode(op.serviceHistogram) : undefined;
      this.maxima.latencyUs.push(sparseMaxValue(decoded));
      this.maxima.serviceUs.push(service ? sparseMaxValue(service) : undefined);
      let total = this.totals.get(op.op);
      if (!total) this.totals.set(op.op, (total = new OpAccumulator()));
      // Added sparsely (decodeSparse/addSparse, through the one stats module): exact, and far cheaper than decode + add.
      total.add(decoded, op.count, op.errors, service);
      let mine = agentOps.get(op.op);
      if (!mine) agentOps.set(op.op, (mine = { sum: new SparseSum(), count: 0, errorsByCode: {} }));
      addIntoAgent(mine, op, decoded, service);
      this.opts.onMerged?.(r, op, decoded);
      if (isObservation(op.op)) continue;
      const errs = errorTotal(op.errors);
      if (slot) {
        addSparse(slot.all, decoded);
        slot.count += op.count;
        slot.errors += errs;
      } else if (stat) {
        // Arrived after its interval was finalized: totals stay exact, the interval's percentiles cannot.
        stat.count += op.count;
        stat.errors += errs;
        stat.opsPerSec = stat.count / (this.opts.intervalMs / 1000);
        stat.late = true;
      }
    }
    this.watermark.set(r.agentId, Math.max(this.watermark.get(r.agentId) ?? -Infinity, r.intervalStartMs));
    this.finalizeSettled();
    return true;
  }

  /** The phase's running sums per op (watch events included), read-only: what summarize() reports. */
  opTotals(): ReadonlyMap<string, Readonly<OpAccumulator>> {
    return this.totals;
  }

  /** Per op of the last report addInterval accepted: its maxima, so the .hlog writer need not decode again. */
  lastMaxima(): IntervalMaxima {
    return this.maxima;
  }

  /**
   * Records an agent's end of phase; returns the integrity mismatches between its finals and the intervals
   * of the same instance (an earlier instance of the agent never reports an end: its intervals are kept).
   */
  addDone(d: PhaseDone): IntegrityMismatch[] {
    this.done.set(d.agentId, d);
    const mine = this.perAgent.get(d.agentId)?.get(d.instance) ?? new Map<string, AgentAccumulator>();
    const mismatches: IntegrityMismatch[] = [];
    const ops = new Set([...mine.keys(), ...d.finals.map((f) => f.op)]);
    for (const op of ops) {
      const final = d.finals.find((f) => f.op === op);
      const summed = mine.get(op) ?? { sum: new SparseSum(), count: 0, errorsByCode: {} };
      const finalHist = final ? decodeSparse(final.histogram) : decodeSparse(EMPTY_HISTOGRAM);
      const finalCount = final?.count ?? 0;
      const base = { agentId: d.agentId, phase: this.phase, op };
      if (finalCount !== summed.count) mismatches.push({ ...base, detail: `final count ${finalCount} != sum of intervals ${summed.count}` });
      else if (!summed.sum.equals(finalHist)) mismatches.push({ ...base, detail: 'final histogram buckets differ from the sum of its intervals' });
      const finalService = final?.serviceHistogram ? decodeSparse(final.serviceHistogram) : undefined;
      if ((finalService === undefined) !== (summed.service === undefined) || (finalService && summed.service && !summed.service.equals(finalService))) {
        mismatches.push({ ...base, detail: 'final service-time histogram differs from the sum of its intervals' });
      }
      const finalErrors = errorTotal(final?.errors ?? {});
      if (finalErrors !== errorTotal(summed.errorsByCode)) mismatches.push({ ...base, detail: `final errors ${finalErrors} != sum of intervals ${errorTotal(summed.errorsByCode)}` });
    }
    return mismatches;
  }

  isDone(agentId: string): boolean {
    return this.done.has(agentId);
  }

  /** Finalizes intervals every agent has moved well past. */
  private finalizeSettled(): void {
    if (this.watermark.size < this.opts.agentIds.length) return;
    const low = Math.min(...this.watermark.values()) - this.opts.finalizeLagIntervals * this.opts.intervalMs;
    for (const start of [...this.open.keys()]) if (start <= low) this.finalizeInterval(start);
  }

  private finalizeInterval(start: number): void {
    const slot = this.open.get(start);
    if (!slot) return;
    this.open.delete(start);
    const s = latencyStats(slot.all);
    this.finalized.set(start, {
      startMs: start,
      offsetSec: (start - this.opts.startAtMs) / 1000,
      count: slot.count,
      errors: slot.errors,
      opsPerSec: slot.count / (this.opts.intervalMs / 1000),
      latencyUs: { p50: s.p50, p99: s.p99, max: s.max },
    });
  }

  live(nowMs: number): LiveStats {
    let count = 0;
    let errors = 0;
    for (const [op, acc] of this.totals) {
      if (isObservation(op)) continue;
      count += acc.count;
      errors += errorTotal(acc.errorsByCode);
    }
    const reported = [...this.watermark.values()];
    const settled = reported.length === this.opts.agentIds.length ? Math.min(...reported) : undefined;
    const slot = settled === undefined ? undefined : this.open.get(settled);
    const fin = settled === undefined ? undefined : this.finalized.get(settled);
    const sec = this.opts.intervalMs / 1000;
    let interval: LiveStats['interval'];
    if (settled !== undefined && (slot || fin)) {
      const offsetSec = (settled - this.opts.startAtMs) / 1000;
      const n = slot ? slot.count : (fin as IntervalStat).count;
      const e = slot ? slot.errors : (fin as IntervalStat).errors;
      const p = slot ? latencyStats(slot.all) : (fin as IntervalStat).latencyUs;
      interval = { offsetSec, opsPerSec: n / sec, startedPerSec: (n + e) / sec, p50Us: p.p50, p99Us: p.p99 };
    }
    return { phase: this.phase, elapsedSec: Math.max(0, (nowMs - this.opts.startAtMs) / 1000), count, errors, ...(interval ? { interval } : {}), agentsReporting: reported.length };
  }

  /** The phase's results; finalizes every interval still open. */
  summarize(agentClients: ReadonlyMap<string, number>): LivePhaseSummary {
    for (const start of [...this.open.keys()]) this.finalizeInterval(start);
    const dones = [...this.done.values()];
    // Agents that never reported their end (lost, or the run was interrupted and they were killed with
    // it) still measured until their last interval: the phase lasted at least that long.
    const lastInterval = Math.max(-Infinity, ...[...this.watermark].filter(([agent]) => !this.done.has(agent)).map(([, start]) => start));
    const intervalSpanMs = Number.isFinite(lastInterval) ? lastInterval + this.opts.intervalMs - this.opts.startAtMs : 0;
    const durationMs = Math.max(1, intervalSpanMs, ...dones.map((d) => d.startSkewMs + (d.joinedAtMs ?? 0) + d.elapsedMs));
    const seconds = durationMs / 1000;
    const toOp = (acc: OpAccumulator): OpSummary => {
      const { stddev: _l, ...latencyUs } = latencyStats(acc.histogram);
      const service = acc.service ? latencyStats(acc.service) : undefined;
      const { stddev: _s, ...serviceUs } = service ?? { stddev: 0 };
      return { count: acc.count, errors: acc.errors, errorsByCode: { ...acc.errorsByCode }, throughputOpsPerSec: acc.count / seconds, latencyUs, ...(service ? { serviceUs: serviceUs as OpSummary['latencyUs'] } : {}) };
    };
    const ops: PhaseSummary['ops'] = {};
    const all = new OpAccumulator();
    for (const [op, acc] of [...this.totals.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      ops[op] = toOp(acc);
      if (!isObservation(op)) all.addAcc(acc);
    }
    const agents: AgentPhaseSummary[] = this.opts.agentIds.map((agentId) => {
      const mine = [...(this.perAgent.get(agentId)?.values() ?? [])].flatMap((ops) => [...ops.entries()]);
      const d = this.done.get(agentId);
      return {
        agentId,
        clients: agentClients.get(agentId) ?? 0,
        count: mine.filter(([op]) => !isObservation(op)).reduce((a, [, m]) => a + m.count, 0),
        errors: mine.filter(([op]) => !isObservation(op)).reduce((a, [, m]) => a + errorTotal(m.errorsByCode), 0),
        startSkewMs: d?.startSkewMs ?? 0,
        elapsedMs: d?.elapsedMs ?? 0,
        cpuCores: cpuCoresOf(this.cpuUs.get(agentId) ?? 0, durationMs),
        endedBy: d?.endedBy ?? 'lost',
      };
    });
    return {
      name: this.phase,
      startedAtMs: this.opts.startAtMs,
      durationMs,
      ops,
      all: toOp(all),
      lateStarts: this.lateStarts,
      agents,
      intervals: [...this.finalized.values()].sort((a, b) => a.startMs - b.startMs),
    };
  }
}

import { performance } from 'node:perf_hooks';
import { type IntervalReport, type PhaseDone, type PhasePrepare, warmupIntervals } from '@etcdlab/common';
import type { Logger } from 'pino';
import { EtcdClient } from './etcd/index.js';
import { PhaseRunner } from './phase-runner.js';
import { type ClosedInterval, PhaseRecorder } from './recorder.js';

/** The wall clock with sub-millisecond resolution, as the coordinator's clock sync sees it. */
export const wallNowMs = (): number => performance.timeOrigin + performance.now();

/** What a phase sends; the session adds the instance and sequence numbers. */
export type ExecReport = Omit<IntervalReport, 'seq' | 'instance'>;

export interface ExecutionSink {
  interval(report: ExecReport): void;
  done(msg: Omit<PhaseDone, 'instance'>): void;
  /** The interval in progress as it stands (undefined: nothing since the last close), for the durable spool. */
  checkpoint(reports: ExecReport[] | undefined): void;
}

/** How often the interval in progress is saved: a SIGKILL loses at most this much of what was measured. */
export const CHECKPOINT_MS = 100;

/**
 * One prepared phase on this agent: waits for the synchronized start, runs the load, closes an interval
 * report every interval (even an idle one, so the coordinator can tell quiet from lost), checkpoints the
 * interval in progress every CHECKPOINT_MS, then reports the phase's end with its whole-phase histograms.
 * A rejoin (a restarted agent process joining a phase in progress) runs the rest of the same schedule.
 */
export class PhaseExecution {
  private runner: PhaseRunner | undefined;
  private stopRequested = false;

  constructor(
    private readonly prep: PhasePrepare,
    private readonly agentId: string,
    private readonly sink: ExecutionSink,
    private readonly logger: Logger,
  ) {}

  get phase(): string {
    return this.prep.plan.phase;
  }

  stop(): void {
    this.stopRequested = true;
    this.runner?.stop();
  }

  /** Starts at `startAtMs` coordinator time (a rejoin: now, into that schedule); resolves when reported. */
  async run(startAtMs: number, rejoin = false): Promise<void> {
    const { plan, intervalMs, clockOffsetMs } = this.prep;
    // agentClock = coordinatorClock + offset, so the local start is the coordinator's start plus the offset.
    const localStart = startAtMs + clockOffsetMs;
    const startPerf = performance.now() + (localStart - wallNowMs());
    const joinPerf = rejoin ? Math.max(startPerf, performance.now()) : undefined;
    // ETCDLAB_TRANSPORT=node-http2 falls back to Node's HTTP/2 for unary calls (docs/performance.md).
    const transport = process.env.ETCDLAB_TRANSPORT === 'node-http2' ? ('node-http2' as const) : ('h2' as const);
    const client = plan.clients > 0 ? new EtcdClient({ endpoints: this.prep.endpoints, connections: Math.max(1, plan.connections), transport, ...(this.prep.tls ? { tls: tlsBuffers(this.prep.tls) } : {}) }) : undefined;
    // The warm-up is whole intervals; its intervals (and warm-up operations ending later) are flagged.
    const warmIntervals = warmupIntervals(plan.warmupMs, intervalMs);
    const warmupMs = warmIntervals * intervalMs;
    const reports = new IntervalReports(startAtMs, intervalMs, warmIntervals, () => this.runner, () => client?.writesAcknowledged ?? 0, this.prep.runId, this.agentId, plan.phase);
    const firstIndex = joinPerf === undefined ? 0 : Math.floor((joinPerf - startPerf) / intervalMs);
    const recorder = new PhaseRecorder(startPerf, intervalMs, (closed) => {
      for (const r of reports.close(closed)) this.sink.interval(r);
      this.sink.checkpoint(undefined);
    }, firstIndex);
    const runner = !this.stopRequested && client ? new PhaseRunner(plan, client, recorder, startPerf, { warmupMs, coordNowMs: () => wallNowMs() - clockOffsetMs, ...(joinPerf !== undefined ? { joinPerf } : {}) }) : undefined;
    this.runner = runner;
    // Standing watchers open before the start (a late start is recorded as start skew, not hidden).
    await runner?.prepare();
    const wait = startPerf - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // The CPU figure is the load's: connecting and opening watchers before the start is set-up.
    reports.markCpu();
    const startSkewMs = joinPerf === undefined ? performance.now() - startPerf : 0;
    const joinedAtMs = joinPerf === undefined ? undefined : Math.max(0, joinPerf - startPerf - warmupMs);
    this.logger.info({ phase: plan.phase, startSkewMs, clients: plan.clients, total: plan.total, durationMs: plan.durationMs, ...(rejoin ? { rejoinedAtMs: joinedAtMs } : {}) }, rejoin ? 'phase rejoined' : 'phase started');

    const ticker = setInterval(() => recorder.advance(performance.now()), Math.min(100, intervalMs / 4));
    let saved = true;
    const checkpointer = setInterval(() => {
      const now = recorder.peek();
      const pending = reports.peek(now, wallNowMs() - clockOffsetMs);
      // Nothing measured since the last close: the last checkpoint was cleared by that close.
      if (pending.length === 0 && saved) return;
      this.sink.checkpoint(pending.length ? pending : undefined);
      saved = pending.length === 0;
    }, CHECKPOINT_MS);
    let outcome: Awaited<ReturnType<PhaseRunner['run']>> = { endedBy: 'stopped', issued: 0, lateStarts: 0 };
    try {
      if (runner && !this.stopRequested) outcome = await runner.run();
      else if (!client) outcome = { endedBy: 'idle', issued: 0, lateStarts: 0 };
    } finally {
      clearInterval(ticker);
      clearInterval(checkpointer);
      await runner?.release();
      await client?.close();
    }
    const endPerf = performance.now();
    recorder.finish(endPerf);
    const measuredFrom = Math.max(startPerf + warmupMs + startSkewMs, joinPerf ?? -Infinity);
    const elapsedMs = performance.now() - measuredFrom;
    this.logger.info({ phase: plan.phase, ...outcome, elapsedMs }, 'phase finished');
    this.sink.done({
      runId: this.prep.runId,
      agentId: this.agentId,
      phase: plan.phase,
      finals: recorder.finals(),
      lastSeq: -1, // filled in by the session, which owns the sequence numbers
      startSkewMs,
      elapsedMs: Math.max(0, elapsedMs),
      ...(joinedAtMs !== undefined ? { joinedAtMs } : {}),
      endedBy: outcome.endedBy,
      ...(runner?.observed(endPerf) ?? {}),
    });
  }
}

/**
 * Turns closed (or, for a checkpoint, in-progress) intervals into reports: the warm-up's flagged apart,
 * with the CPU, late and dropped starts and acknowledged writes since the last close. Only a close moves
 * the marks, so a checkpoint is what the next close would send if the process died now.
 */
class IntervalReports {
  private cpuMark = process.cpuUsage();
  private lateMark = 0;
  private droppedMark = 0;
  private writesMark = 0;

  constructor(
    private readonly startAtMs: number,
    private readonly intervalMs: number,
    private readonly warmIntervals: number,
    private readonly runner: () => PhaseRunner | undefined,
    private readonly writes: () => number,
    private readonly runId: string,
    private readonly agentId: string,
    private readonly phase: string,
  ) {}

  /** Counts CPU from now on (the phase's start): what came before was set-up, not load. */
  markCpu(): void {
    this.cpuMark = process.cpuUsage();
  }

  close(closed: ClosedInterval): ExecReport[] {
    const out = this.build(closed);
    this.cpuMark = process.cpuUsage();
    this.lateMark = this.runner()?.lateStartCount ?? 0;
    if (closed.index >= this.warmIntervals) this.droppedMark = this.runner()?.droppedStartCount ?? 0;
    this.writesMark = this.writes();
    return out;
  }

  peek(inProgress: ClosedInterval, atMs: number): ExecReport[] {
    if (inProgress.ops.length === 0 && inProgress.warmupOps.length === 0 && this.writes() === this.writesMark) return [];
    return this.build(inProgress).map((r) => ({ ...r, checkpointAtMs: atMs }));
  }

  private build(closed: ClosedInterval): ExecReport[] {
    const cpu = process.cpuUsage(this.cpuMark);
    const late = (this.runner()?.lateStartCount ?? 0) - this.lateMark;
    const dropped = (this.runner()?.droppedStartCount ?? 0) - this.droppedMark;
    const writes = this.writes() - this.writesMark;
    const base = { runId: this.runId, agentId: this.agentId, phase: this.phase, intervalStartMs: this.startAtMs + closed.index * this.intervalMs, intervalMs: this.intervalMs };
    const warm = closed.index < this.warmIntervals;
    const out: ExecReport[] = [];
    if (warm || closed.warmupOps.length > 0) {
      out.push({ ...base, ops: warm ? [...closed.warmupOps, ...closed.ops] : closed.warmupOps, cpuUs: warm ? cpu.user + cpu.system : 0, lateStarts: warm ? late : 0, warmup: true, ...(warm && writes > 0 ? { writes } : {}) });
    }
    const failedAt = Object.keys(closed.errorEndpoints).length > 0 ? { errorEndpoints: closed.errorEndpoints } : {};
    if (!warm) out.push({ ...base, ops: closed.ops, cpuUs: cpu.user + cpu.system, lateStarts: late, ...(dropped > 0 ? { droppedStarts: dropped } : {}), ...(writes > 0 ? { writes } : {}), ...failedAt });
    return out;
  }
}

function tlsBuffers(tls: NonNullable<PhasePrepare['tls']>): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return {
    ...(tls.ca ? { ca: Buffer.from(tls.ca) } : {}),
    ...(tls.cert ? { cert: Buffer.from(tls.cert) } : {}),
    ...(tls.key ? { key: Buffer.from(tls.key) } : {}),
  };
}

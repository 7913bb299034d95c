import { performance } from 'node:perf_hooks';
import { type IntervalReport, type PhaseDone, type PhasePrepare, warmupIntervals } from '@etcdlab/common';
import type { Logger } from 'pino';
import { EtcdClient } from './etcd/index.js';
import { PhaseRunner } from './phase-runner.js';
import { PhaseRecorder } from './recorder.js';

/** The wall clock with sub-millisecond resolution, as the coordinator's clock sync sees it. */
export const wallNowMs = (): number => performance.timeOrigin + performance.now();

export interface ExecutionSink {
  interval(report: Omit<IntervalReport, 'seq'>): void;
  done(msg: PhaseDone): void;
}

/**
 * One prepared phase on this agent: waits for the synchronized start, runs the load, closes an interval
 * report every interval (even an idle one, so the coordinator can tell quiet from lost), then reports
 * the phase's end with its whole-phase histograms.
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

  /** Starts at `startAtMs` coordinator time; resolves when the phase is over and reported. */
  async run(startAtMs: number): Promise<void> {
    const { plan, intervalMs, clockOffsetMs, runId } = this.prep;
    // agentClock = coordinatorClock + offset, so the local start is the coordinator's start plus the offset.
    const localStart = startAtMs + clockOffsetMs;
    const startPerf = performance.now() + (localStart - wallNowMs());
    // ETCDLAB_TRANSPORT=node-http2 falls back to Node's HTTP/2 for unary calls (docs/performance.md).
    const transport = process.env.ETCDLAB_TRANSPORT === 'node-http2' ? ('node-http2' as const) : ('h2' as const);
    const client = plan.clients > 0 ? new EtcdClient({ endpoints: this.prep.endpoints, connections: Math.max(1, plan.connections), transport, ...(this.prep.tls ? { tls: tlsBuffers(this.prep.tls) } : {}) }) : undefined;
    let cpuMark = process.cpuUsage();
    let lateMark = 0;
    let droppedMark = 0;
    // The warm-up is whole intervals; its intervals (and warm-up operations ending later) are flagged.
    const warmIntervals = warmupIntervals(plan.warmupMs, intervalMs);
    const warmupMs = warmIntervals * intervalMs;
    const recorder = new PhaseRecorder(startPerf, intervalMs, (closed) => {
      const cpu = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      const late = this.runner?.lateStartCount ?? 0;
      const dropped = (this.runner?.droppedStartCount ?? 0) - droppedMark;
      const base = { runId, agentId: this.agentId, phase: plan.phase, intervalStartMs: startAtMs + closed.index * intervalMs, intervalMs };
      const warm = closed.index < warmIntervals;
      if (warm || closed.warmupOps.length > 0) this.sink.interval({ ...base, ops: warm ? [...closed.warmupOps, ...closed.ops] : closed.warmupOps, cpuUs: warm ? cpu.user + cpu.system : 0, lateStarts: warm ? late - lateMark : 0, warmup: true });
      if (!warm) this.sink.interval({ ...base, ops: closed.ops, cpuUs: cpu.user + cpu.system, lateStarts: late - lateMark, ...(dropped > 0 ? { droppedStarts: dropped } : {}) });
      lateMark = late;
      if (!warm) droppedMark += dropped;
    });
    const runner = !this.stopRequested && client ? new PhaseRunner(plan, client, recorder, startPerf, { warmupMs, coordNowMs: () => wallNowMs() - clockOffsetMs }) : undefined;
    this.runner = runner;
    // Standing watchers open before the start (a late start is recorded as start skew, not hidden).
    await runner?.prepare();
    const wait = startPerf - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const startSkewMs = performance.now() - startPerf;
    this.logger.info({ phase: plan.phase, startSkewMs, clients: plan.clients, total: plan.total, durationMs: plan.durationMs }, 'phase started');

    const ticker = setInterval(() => recorder.advance(performance.now()), Math.min(100, intervalMs / 4));
    let outcome: Awaited<ReturnType<PhaseRunner['run']>> = { endedBy: 'stopped', issued: 0, lateStarts: 0 };
    try {
      if (runner && !this.stopRequested) outcome = await runner.run();
      else if (!client) outcome = { endedBy: 'idle', issued: 0, lateStarts: 0 };
    } finally {
      clearInterval(ticker);
      await runner?.release();
      await client?.close();
    }
    recorder.finish(performance.now());
    const elapsedMs = performance.now() - startPerf - startSkewMs - warmupMs;
    this.logger.info({ phase: plan.phase, ...outcome, elapsedMs }, 'phase finished');
    this.sink.done({
      runId,
      agentId: this.agentId,
      phase: plan.phase,
      finals: recorder.finals(),
      lastSeq: -1, // filled in by the session, which owns the sequence numbers
      startSkewMs,
      elapsedMs: Math.max(0, elapsedMs),
      endedBy: outcome.endedBy,
    });
  }
}

function tlsBuffers(tls: NonNullable<PhasePrepare['tls']>): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return {
    ...(tls.ca ? { ca: Buffer.from(tls.ca) } : {}),
    ...(tls.cert ? { cert: Buffer.from(tls.cert) } : {}),
    ...(tls.key ? { key: Buffer.from(tls.key) } : {}),
  };
}

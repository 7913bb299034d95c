import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Ack,
  type AgentToCoordinatorEvents,
  type CoordinatorToAgentEvents,
  ErrorCodes,
  type Hello,
  PROTOCOL_VERSION,
  phasePrepareSchema,
  phaseStartSchema,
  phaseStopSchema,
  samplingStartSchema,
  refusalSchema,
} from '@etcdlab/common';
import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { type ExecutionSink, PhaseExecution, wallNowMs } from './phase-execution.js';
import { HostSampler } from './host-sampler.js';
import { ReportSpool } from './spool.js';
import { SpoolStore } from './spool-store.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentSessionOptions {
  coordinatorUrl: string;
  token: string;
  agentId: string;
  role: 'agent' | 'monitor';
  logger: Logger;
  /** Exit when the coordinator ends the run (agents started for one run), instead of waiting for the next. */
  exitOnRunEnd: boolean;
  /** Give up after this long without a coordinator (ms); 0 = keep trying forever (service agents). */
  orphanTimeoutMs: number;
  /** Stop the phase in progress after this long without a coordinator (ms); its reports stay spooled. */
  orphanLoadStopMs?: number;
  /** The durable spool's directory (the agent's work directory); none: reports are held in memory only. */
  spoolDir?: string;
  ackTimeoutMs?: number;
}

/** A phase's load goes on this long without a coordinator before the agent stops it (docs/resilience.md). */
export const ORPHAN_LOAD_STOP_MS = 60_000;

export type SessionEnd = { reason: 'run-end' | 'orphaned' } | { reason: 'refused'; code: string; message: string };

const invalid = (message: string): Ack => ({ ok: false, code: ErrorCodes.payloadInvalid, message });

/**
 * The agent's side of the protocol: handshake, clock-sync answers, phase prepare/start/stop, and reliable
 * delivery of interval reports through the spool. Every inbound payload is validated before use.
 */
export class AgentSession {
  private readonly socket: Socket<CoordinatorToAgentEvents, AgentToCoordinatorEvents>;
  private readonly spool: ReportSpool;
  private readonly sampler: HostSampler;
  private readonly prepared = new Map<string, PhaseExecution>();
  private current: PhaseExecution | undefined;
  /** The current phase's run: resolves once its end report is in the spool. */
  private running: Promise<void> | undefined;
  private seq = 0;
  private orphanTimer: NodeJS.Timeout | undefined;
  private loadTimer: NodeJS.Timeout | undefined;
  /** This process's instance id: a restarted agent (same id) is a new instance to the coordinator. */
  readonly instance = randomUUID();
  private resolveEnd!: (end: SessionEnd) => void;
  readonly ended: Promise<SessionEnd>;

  constructor(private readonly opts: AgentSessionOptions) {
    this.ended = new Promise((r) => (this.resolveEnd = r));
    const store = opts.spoolDir ? new SpoolStore(opts.spoolDir, opts.logger) : undefined;
    const recovered = store?.recover() ?? [];
    const hello: Hello = {
      protocolVersion: PROTOCOL_VERSION,
      token: opts.token,
      agentId: opts.agentId,
      instance: this.instance,
      host: hostname(),
      role: opts.role,
      pid: process.pid,
      agentVersion: AGENT_VERSION,
      nodeVersion: process.version,
      ...(recovered.length ? { recovered: recovered.length } : {}),
    };
    this.socket = io(opts.coordinatorUrl, { auth: hello, transports: ['websocket'], reconnectionDelayMax: 2000 });
    const ackTimeout = opts.ackTimeoutMs ?? 10_000;
    this.spool = new ReportSpool((item) => this.socket.timeout(ackTimeout).emitWithAck(item.event as 'interval', item.payload as never), opts.logger, store);
    // What an earlier process on this host measured and could not deliver goes first.
    if (recovered.length) this.spool.restore(recovered);
    this.sampler = new HostSampler(opts.agentId, (sample) => this.socket.emit('host:sample', sample), opts.logger);
    this.wire();
    this.armOrphanTimer();
  }

  private wire(): void {
    const { logger } = this.opts;
    this.socket.on('connect', () => {
      logger.info({ url: this.opts.coordinatorUrl }, 'connected to coordinator');
      if (this.orphanTimer) clearTimeout(this.orphanTimer);
      clearTimeout(this.loadTimer);
    });
    this.socket.on('disconnect', (reason) => {
      logger.warn({ reason }, 'disconnected from coordinator');
      if (reason === 'io client disconnect') return; // its own graceful stop
      this.armOrphanTimer();
      this.armLoadTimer();
    });
    this.socket.on('connect_error', (err) => {
      const refusal = refusalSchema.safeParse((err as Error & { data?: unknown }).data);
      if (refusal.success) {
        // A wrong version or token will not fix itself by retrying.
        logger.error(refusal.data, 'coordinator refused this agent');
        this.end({ reason: 'refused', ...refusal.data });
      } else logger.debug({ err: err.message }, 'coordinator not reachable yet');
    });
    this.socket.on('clock:ping', (ping, ack) => {
      if (typeof ack === 'function') ack({ seq: Number(ping?.seq) || 0, agentTimeMs: wallNowMs() });
    });
    this.socket.on('phase:prepare', (msg, ack) => {
      const parsed = phasePrepareSchema.safeParse(msg);
      if (!parsed.success) return ack(invalid(`phase:prepare: ${parsed.error.message}`));
      const exec = new PhaseExecution(parsed.data, this.opts.agentId, this.sinkFor(), logger);
      this.prepared.set(parsed.data.plan.phase, exec);
      logger.info({ phase: parsed.data.plan.phase, plan: parsed.data.plan, offsetMs: parsed.data.clockOffsetMs }, 'phase prepared');
      ack({ ok: true });
    });
    this.socket.on('phase:start', (msg, ack) => {
      const parsed = phaseStartSchema.safeParse(msg);
      if (!parsed.success) return ack(invalid(`phase:start: ${parsed.error.message}`));
      const exec = this.prepared.get(parsed.data.phase);
      if (!exec) return ack({ ok: false, code: ErrorCodes.payloadInvalid, message: `phase ${parsed.data.phase} was not prepared` });
      this.prepared.delete(parsed.data.phase);
      this.current = exec;
      ack({ ok: true });
      this.running = exec.run(parsed.data.startAtMs, parsed.data.rejoin === true).catch((err: unknown) => {
        logger.error({ err: String(err), phase: exec.phase }, 'phase failed');
        this.socket.emit('agent:fault', { agentId: this.opts.agentId, phase: exec.phase, code: ErrorCodes.agentPhaseFailed, message: String(err) });
      });
    });
    this.socket.on('phase:stop', (msg) => {
      const parsed = phaseStopSchema.safeParse(msg);
      if (parsed.success && this.current?.phase === parsed.data.phase) {
        logger.warn(parsed.data, 'phase stopped by coordinator');
        this.current.stop();
      }
    });
    this.socket.on('sampling:start', (msg) => {
      const parsed = samplingStartSchema.safeParse(msg);
      if (parsed.success) this.sampler.start(parsed.data);
      else logger.error({ err: parsed.error.message }, 'invalid sampling:start');
    });
    this.socket.on('run:end', (msg) => {
      this.sampler.stop();
      logger.info({ runId: msg?.runId, reason: msg?.reason }, 'run ended');
      this.current?.stop();
      if (this.opts.exitOnRunEnd) void this.spool.drained().then(() => this.end({ reason: 'run-end' }));
    });
  }

  private sinkFor(): ExecutionSink {
    return {
      interval: (report) => this.spool.push({ event: 'interval', payload: { ...report, instance: this.instance, seq: this.seq++ } }),
      done: (msg) => this.spool.push({ event: 'phase:done', payload: { ...msg, instance: this.instance, lastSeq: this.seq - 1 } }),
      // The sequence numbers the next close will use: if both arrive, the coordinator keeps the first.
      checkpoint: (reports) => void this.spool.checkpoint(reports?.map((r, k) => ({ ...r, instance: this.instance, seq: this.seq + k }))),
    };
  }

  /** Load without anyone to report to is not a benchmark: stop it after a while (the reports stay spooled). */
  private armLoadTimer(): void {
    const after = this.opts.orphanLoadStopMs ?? ORPHAN_LOAD_STOP_MS;
    clearTimeout(this.loadTimer);
    if (after <= 0) return;
    this.loadTimer = setTimeout(() => {
      if (!this.current) return;
      this.opts.logger.error({ phase: this.current.phase, afterMs: after }, 'no coordinator: stopping the phase in progress');
      this.current.stop();
    }, after);
    this.loadTimer.unref();
  }

  private armOrphanTimer(): void {
    if (this.opts.orphanTimeoutMs <= 0) return;
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    this.orphanTimer = setTimeout(() => {
      this.opts.logger.error({ afterMs: this.opts.orphanTimeoutMs }, 'no coordinator; giving up');
      void this.shutdown().then(() => this.end({ reason: 'orphaned' }));
    }, this.opts.orphanTimeoutMs);
    this.orphanTimer.unref();
  }

  /**
   * A graceful stop (SIGTERM, giving up on the coordinator): the agent leaves the coordinator first, then
   * stops the phase in progress and writes its end report, and every report before it, to the spool
   * (not sent). To the coordinator this is a process that went away: the next process of this agent
   * resends the spool and rejoins (or a resumed coordinator takes it in). Bounded: a stuck disk does not hold it.
   */
  async shutdown(limitMs = 5000): Promise<void> {
    const running = this.running;
    this.spool.close();
    this.socket.disconnect();
    this.current?.stop();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, limitMs)));
    await Promise.race([
      (async () => {
        await running;
        await this.spool.persisted();
      })(),
      limit,
    ]);
    clearTimeout(timer);
  }

  private end(end: SessionEnd): void {
    this.sampler.stop();
    this.current?.stop();
    this.spool.close();
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    clearTimeout(this.loadTimer);
    this.socket.close();
    this.resolveEnd(end);
  }
}

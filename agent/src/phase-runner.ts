import { performance } from 'node:perf_hooks';
import { type AgentPhasePlan, KeyPicker, type PhaseDone, RateSchedule } from '@etcdlab/common';
import { prefixRangeEnd } from './etcd/proto.js';
import { errorCode } from './ops/errors.js';
import { LeasePool } from './ops/lease.js';
import { AckedPuts, GapTracker, type OpClass, opClass } from './ops/observe.js';
import { runOpenLoop } from './ops/open-loop.js';
import { PatternDriver } from './ops/pattern/driver.js';
import { WeightedPicker } from './ops/picker.js';
import { buildExecutors } from './ops/registry.js';
import { RevisionTracker } from './ops/revisions.js';
import { Slots } from './ops/slots.js';
import type { EtcdTarget, ObservationSink, OpContext, OpExecutor } from './ops/types.js';
import { ValueSource } from './ops/values.js';
import { Watchers } from './ops/watch.js';
import type { PhaseRecorder } from './recorder.js';

export { errorCode } from './ops/errors.js';
export type { EtcdTarget } from './ops/types.js';
/** The first version's name for what the runner drives; an EtcdClient is one. */
export type KvTarget = EtcdTarget;

export type EndedBy = 'total' | 'duration' | 'stopped' | 'idle';

export interface RunOutcome {
  endedBy: EndedBy;
  /** Measured operations started (warm-up ones not included). */
  issued: number;
  lateStarts: number;
}

export interface RunnerOptions {
  /** The warm-up actually used (whole intervals); defaults to the plan's. */
  warmupMs?: number;
  /** Coordinator-clock now (ms): stamps values and times watch events across agents. */
  coordNowMs?: () => number;
  random?: () => number;
  /** A rejoin (performance.now() of joining): open loops skip what was due before it. */
  joinPerf?: number;
}

/** Runs one operation (returning the name to record it under, if not its own). */
export type TimedRun = (op: string, run: () => Promise<string | void>, fromPerf: number, sendPerf: number | undefined) => Promise<void>;

/**
 * Drives one agent's share of a phase. Closed loop: each client issues its next operation when the last
 * one finished. Open loop: operations are due on a schedule (a rate, possibly ramped) and their latency
 * counts from when they were due (coordinated-omission correction), with the service time (from the
 * actual send) kept beside it; a due operation that finds every client busy is counted as a late start.
 * A warm-up runs the same load first; what starts during it is recorded apart and left out of the
 * results. Pattern phases are driven by PatternDriver. Nothing is retried: a failure is counted by its
 * code and the loop moves on.
 */
export class PhaseRunner {
  private issued = 0;
  private warmIssued = 0;
  private stopped = false;
  private lateStarts = 0;
  private droppedStarts = 0;
  private readonly measuredPerf: number;
  private readonly warmable: boolean;
  private readonly endPerf: number;
  private readonly coordNowMs: () => number;
  private readonly random: () => number;
  private readonly joinPerf: number | undefined;
  private prepared: Watchers | undefined;
  /** A fault phase (plan.observe): availability gaps by op class, and acknowledged puts. */
  private readonly gaps: GapTracker | undefined;
  private readonly acked: AckedPuts | undefined;
  private readonly classOf = new Map<string, OpClass | undefined>();

  constructor(
    private readonly plan: AgentPhasePlan,
    private readonly target: EtcdTarget,
    private readonly recorder: PhaseRecorder,
    private readonly startPerf: number,
    opts: RunnerOptions = {},
  ) {
    // Without a warm-up nothing is warm, even an operation a timer started a fraction of a ms early.
    this.measuredPerf = startPerf + (opts.warmupMs ?? plan.warmupMs ?? 0);
    this.warmable = this.measuredPerf > startPerf;
    this.endPerf = plan.durationMs !== undefined ? this.measuredPerf + plan.durationMs : Infinity;
    this.coordNowMs = opts.coordNowMs ?? (() => performance.timeOrigin + performance.now());
    this.random = opts.random ?? Math.random;
    this.joinPerf = opts.joinPerf;
    if (plan.observe) {
      for (const [label, spec] of Object.entries(plan.ops)) this.classOf.set(label, opClass(spec.op));
      const classes = new Set([...this.classOf.values()].filter((c): c is OpClass => c !== undefined));
      if (plan.pattern) classes.add('write').add('read');
      this.gaps = new GapTracker(Math.max(this.measuredPerf, this.joinPerf ?? -Infinity), classes);
      this.acked = new AckedPuts(plan.observe.ackedKeys);
    }
  }

  /** What a fault phase observed: gaps in coordinator ms up to `endPerf`, and the tracked acknowledged puts. */
  observed(endPerf: number): Pick<PhaseDone, 'gaps' | 'acked'> {
    if (!this.gaps || !this.acked) return {};
    const toCoord = (perf: number) => this.coordNowMs() - (performance.now() - perf);
    return { gaps: this.gaps.finish(endPerf, toCoord), acked: this.acked.list() };
  }

  /** Open-loop operations that could not start when due because every client was busy. */
  get lateStartCount(): number {
    return this.lateStarts;
  }

  /** Open-loop operations due before the phase end that were never started (every client busy until then). */
  get droppedStartCount(): number {
    return this.droppedStarts;
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Opens the phase's standing watchers ahead of its start, so that every agent's watchers exist before
   * any agent's first put (opened at the start, a fast agent's first puts beat a slow agent's watchers).
   * Pattern phases open theirs themselves: they watch only their own writes.
   */
  async prepare(): Promise<void> {
    const w = this.plan.watch;
    if (this.plan.pattern || !w || w.streams <= 0 || this.plan.clients === 0 || this.plan.total === 0) return;
    this.prepared = this.watchers(this.plan, w);
    await this.prepared.start();
  }

  /** Closes watchers prepare() opened when the phase did not run them (stopped before its start). */
  async release(): Promise<void> {
    const w = this.prepared;
    this.prepared = undefined;
    await w?.stop();
  }

  async run(): Promise<RunOutcome> {
    const { clients, total } = this.plan;
    if (clients === 0 || total === 0) return { endedBy: 'idle', issued: 0, lateStarts: 0 };
    if (this.plan.pattern) {
      const driver = new PatternDriver({
        plan: this.plan,
        pattern: this.plan.pattern,
        target: this.target,
        slots: new Slots(clients),
        startPerf: this.startPerf,
        measuredPerf: this.measuredPerf,
        endPerf: this.endPerf,
        timed: (op, run, from, send) => this.timed(op, run, from, send),
        sink: this.sink(),
        coordNowMs: this.coordNowMs,
        stopped: () => this.stopped,
        onLateStart: () => this.lateStarts++,
        random: this.random,
      });
      const r = await driver.run();
      this.issued = r.issued;
      return { endedBy: this.stopped ? 'stopped' : r.endedBy, issued: r.issued, lateStarts: this.lateStarts };
    }
    await this.runOps();
    const endedBy: EndedBy = this.stopped ? 'stopped' : total !== undefined && this.issued >= total ? 'total' : 'duration';
    return { endedBy, issued: this.issued, lateStarts: this.lateStarts };
  }

  private async runOps(): Promise<void> {
    const plan = this.plan;
    const leases = new LeasePool(plan.lease?.pool ?? 100, plan.lease?.ttlMs ?? 60_000, this.random);
    const ctx: OpContext = {
      plan,
      target: this.target,
      keys: new KeyPicker(plan.keys, this.random),
      values: new ValueSource(plan.valueSize, plan.valueSizeMax ?? plan.valueSize, plan.watch ? this.coordNowMs : undefined, this.random),
      revisions: new RevisionTracker(),
      leases,
      deadlineMs: plan.deadlineMs,
      ...(this.acked ? { acked: this.acked } : {}),
    };
    const executors = buildExecutors(ctx);
    const picker = new WeightedPicker(new Map([...executors.keys()].map((op) => [op, plan.ops[op]?.weight ?? 0])), this.random);
    let watchers: Watchers | undefined;
    try {
      // Opened ahead of the start by the execution; a runner used on its own opens them now.
      if (!this.prepared) await this.prepare();
      watchers = this.prepared;
      this.prepared = undefined;
      const open = plan.rate !== undefined && (plan.rate > 0 || (plan.rateStages?.length ?? 0) > 0);
      if (open) await this.openLoop(picker, executors);
      else await Promise.all(Array.from({ length: plan.clients }, (_, i) => this.closedClient(i, picker, executors)));
    } finally {
      await watchers?.stop();
      leases.close();
    }
  }

  private watchers(plan: AgentPhasePlan, w: NonNullable<AgentPhasePlan['watch']>): Watchers {
    const keys = new KeyPicker(plan.keys);
    const prefix = Buffer.from(plan.keys.prefix);
    return new Watchers({
      target: this.target,
      streams: w.streams,
      perStream: w.watchersPerStream,
      request: (i) => (w.on === 'prefix' ? { key: prefix, rangeEnd: prefixRangeEnd(prefix) } : { key: Buffer.from(keys.key(i % plan.keys.space)) }),
      connections: Math.max(1, plan.connections),
      deadlineMs: plan.deadlineMs,
      sink: this.sink(),
      coordNowMs: this.coordNowMs,
      stopped: () => this.stopped,
    });
  }

  /** Records what watchers observe; an observation before the measured start belongs to the warm-up. */
  private sink(): ObservationSink {
    return {
      success: (op, latencyUs, now) => this.recorder.success(op, latencyUs, now, undefined, this.isWarm(now)),
      failure: (op, code, now) => this.recorder.failure(op, code, now, this.isWarm(now)),
    };
  }

  private async closedClient(client: number, picker: WeightedPicker<string>, executors: Map<string, OpExecutor>): Promise<void> {
    const conn = client % this.plan.connections;
    const total = this.plan.total;
    for (;;) {
      const t0 = performance.now();
      if (this.stopped || t0 >= this.endPerf) return;
      const warm = this.isWarm(t0);
      let j: number;
      if (warm) j = this.warmIssued++;
      else if (total !== undefined && this.issued >= total) return;
      else j = this.issued++;
      const op = picker.pick();
      await this.record(op, (executors.get(op) as OpExecutor)(j, conn), t0, undefined, warm);
    }
  }

  private async openLoop(picker: WeightedPicker<string>, executors: Map<string, OpExecutor>): Promise<void> {
    const plan = this.plan;
    const slots = new Slots(plan.clients);
    const schedule = new RateSchedule(plan.rate ?? 0, plan.rateStages ?? []);
    const launch = (j: number, due: number, send: number, warm: boolean): void => {
      const op = picker.pick();
      void this.record(op, (executors.get(op) as OpExecutor)(j, j % plan.connections), due, send, warm).finally(() => slots.release());
    };
    const common = { slots, stopped: () => this.stopped, onLateStart: () => this.lateStarts++ };
    // The warm-up runs at the schedule's starting rate.
    const warmRate = plan.rate ?? 0;
    // A rejoin starts with what is due from its joining on; what was due before is another process's.
    const since = (origin: number) => Math.max(0, (this.joinPerf ?? origin) - origin);
    if (this.measuredPerf > this.startPerf && warmRate > 0 && since(this.startPerf) < this.measuredPerf - this.startPerf) {
      const first = Math.ceil((since(this.startPerf) * warmRate) / 1000);
      this.warmIssued = (await runOpenLoop({ ...common, first, originPerf: this.startPerf, dueMs: (n) => (n * 1000) / warmRate, endPerf: this.measuredPerf, launch: (n, d, s) => launch(n, d, s, true) })) - first;
    }
    const first = this.joinPerf === undefined ? 0 : Math.ceil(schedule.opsBy(since(this.measuredPerf)) - 1e-9);
    const reached = await runOpenLoop({
      ...common,
      first,
      originPerf: this.measuredPerf,
      dueMs: (n) => schedule.timeOf(n),
      endPerf: this.endPerf,
      ...(plan.total !== undefined ? { limit: plan.total } : {}),
      launch: (n, d, s) => launch(n, d, s, false),
    });
    this.issued = reached - first;
    // What the schedule had due before the end, less what started: dropped (a stop is not a drop).
    if (plan.durationMs !== undefined && !this.stopped) this.droppedStarts = Math.max(0, Math.min(plan.total ?? Infinity, Math.ceil(schedule.opsBy(plan.durationMs) - 1e-9)) - reached);
    await slots.idle();
  }

  /** Awaits one operation and records it: latency from `fromPerf`, service time from `sendPerf` when given. */
  private async record(op: string, pending: Promise<string | void>, fromPerf: number, sendPerf: number | undefined, warm: boolean): Promise<void> {
    try {
      const name = (await pending) ?? op;
      const end = performance.now();
      if (this.gaps && !warm) this.gaps.success(this.classOf.has(op) ? this.classOf.get(op) : opClass(name), end);
      this.recorder.success(name, (end - fromPerf) * 1000, end, sendPerf === undefined ? undefined : (end - sendPerf) * 1000, warm);
    } catch (err) {
      const endpoint = (err as { endpoint?: unknown } | undefined)?.endpoint;
      this.recorder.failure(op, errorCode(err), performance.now(), warm, typeof endpoint === 'string' ? endpoint : undefined);
    }
  }

  /** The pattern driver's way in: starts `run` and records it like any operation. */
  private timed(op: string, run: () => Promise<string | void>, fromPerf: number, sendPerf: number | undefined): Promise<void> {
    let pending: Promise<string | void>;
    try {
      pending = run();
    } catch (err) {
      pending = Promise.reject(err);
    }
    return this.record(op, pending, fromPerf, sendPerf, this.isWarm(fromPerf));
  }

  private isWarm(perf: number): boolean {
    return this.warmable && perf < this.measuredPerf;
  }
}

/**
 * Drives a pattern phase the way the microservice team's etcd-driver did, for each simulated driver of
 * this agent: the initial load (every key of the driver's tree at put-rate/hour, or as fast as the
 * clients go), then, side by side until the phase ends: churn-val (a new value for a random key),
 * churn-level (delete a prefix, or put back one deleted earlier), get-level (a range over a random
 * prefix), watchers per level with their periodic prefix gets, and the lease test (grant, then put a key
 * with the lease). Every rate is per hour per driver, scheduled open loop with latency from the due time;
 * an unlimited rate (0) runs one closed-loop worker instead. The drivers share the agent's clients.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { type AgentPhasePlan, parsePattern, type ParsedPattern, type PatternPlan, PatternTree, PatternValues } from '@etcdlab/common';
import { prefixRangeEnd } from '../../etcd/proto.js';
import type { TimedRun } from '../../phase-runner.js';
import { runOpenLoop } from '../open-loop.js';
import { SendTimes } from '../send-times.js';
import type { Slots } from '../slots.js';
import type { EtcdTarget, ObservationSink } from '../types.js';
import { Watchers } from '../watch.js';
import { ChurnCycle, watchCovers, watchTargets } from './targets.js';

export interface PatternDriverOptions {
  plan: AgentPhasePlan;
  pattern: PatternPlan;
  target: EtcdTarget;
  slots: Slots;
  startPerf: number;
  measuredPerf: number;
  endPerf: number;
  timed: TimedRun;
  sink: ObservationSink;
  coordNowMs(): number;
  stopped(): boolean;
  onLateStart(): void;
  random: () => number;
}

const HOUR_MS = 3_600_000;

export class PatternDriver {
  private readonly parsed: ParsedPattern;
  private readonly trees: PatternTree[];
  private readonly values: PatternValues;
  private readonly sendTimes = new SendTimes();
  private issued = 0;
  private conn = 0;
  /** The steady phase's watchers and what they watch, so puts under them can be awaited at the end. */
  private watched: { watchers: Watchers; covers(key: string): boolean } | undefined;

  constructor(private readonly o: PatternDriverOptions) {
    const p = o.pattern;
    this.parsed = parsePattern(p.spec, p.valSpec);
    this.trees = Array.from({ length: p.drivers.count }, (_, i) => new PatternTree(this.parsed, { driver: p.drivers.first + i, seed: p.seed, root: p.root }));
    this.values = new PatternValues(this.parsed.value, o.random);
  }

  async run(): Promise<{ issued: number; endedBy: 'total' | 'duration' }> {
    const p = this.o.pattern;
    if (this.trees.length === 0) return { issued: 0, endedBy: 'total' };
    if (!p.skipInit && p.putRate >= 0) await this.initialLoad();
    const steady = p.churnValRate >= 0 || p.churnLevelRate >= 0 || p.getRate >= 0 || p.watchCountsPerLevel.some((c) => c !== 0) || (p.leases?.active ?? 0) > 0;
    if (!steady || this.done()) return { issued: this.issued, endedBy: steady ? 'duration' : 'total' };
    await this.steady();
    return { issued: this.issued, endedBy: 'duration' };
  }

  private done(): boolean {
    return this.o.stopped() || performance.now() >= this.o.endPerf;
  }

  private nextConn(): number {
    this.conn = (this.conn + 1) % Math.max(1, this.o.plan.connections);
    return this.conn;
  }

  private put(op: string, key: string, from: number, send: number | undefined, lease = 0n): Promise<void> {
    const k = Buffer.from(key);
    const conn = this.nextConn();
    return this.o.timed(
      op,
      () => {
        this.sendTimes.notePut(key, performance.now());
        return this.o.target.putRevision(k, this.values.next(), lease, this.o.plan.deadlineMs, conn).then((rev) => {
          const w = this.watched;
          if (w && w.covers(key)) w.watchers.expectEvent(rev);
        });
      },
      from,
      send,
    );
  }

  /** Every key of every driver (interleaved), open loop at put-rate/hour per driver, or closed when 0. */
  private async initialLoad(): Promise<void> {
    const p = this.o.pattern;
    const perDriver = Math.min(p.total ?? Infinity, this.trees[0]!.keyCount);
    const d = this.trees.length;
    const total = perDriver * d;
    const key = (n: number): string => (this.trees[n % d] as PatternTree).key(Math.floor(n / d));
    if (p.putRate > 0) {
      const everyMs = HOUR_MS / (p.putRate * d);
      await this.openLoop(this.o.startPerf, (n) => n * everyMs, total, (n, due, send) => this.put('init-put', key(n), due, send));
      await this.o.slots.idle();
      return;
    }
    let n = 0;
    const worker = async (): Promise<void> => {
      while (n < total && !this.done()) {
        const i = n++;
        this.issued++;
        await this.o.slots.acquire();
        await this.put('init-put', key(i), performance.now(), undefined).finally(() => this.o.slots.release());
      }
    };
    await Promise.all(Array.from({ length: this.o.slots.capacity }, worker));
  }

  private async steady(): Promise<void> {
    const p = this.o.pattern;
    // Watchers first: a put made before its watcher exists would never be seen as an event.
    const targets = this.trees.flatMap((t) => watchTargets(t, p.watchCountsPerLevel).map((w) => t.prefix(w.level, w.node)));
    const watchers = targets.length > 0 ? await this.startWatchers(targets) : undefined;
    const origin = Math.max(performance.now(), this.o.measuredPerf);
    const d = this.trees.length;
    const tree = (n: number): PatternTree => this.trees[n % d] as PatternTree;
    const rnd = this.o.random;
    const activities: Promise<unknown>[] = [];
    const schedule = (perHour: number, step: (n: number, due: number, send: number | undefined) => Promise<void>): void => {
      if (perHour < 0) return;
      if (perHour === 0) activities.push(this.closedWorker(step));
      else activities.push(this.openLoop(origin, (n) => (n * HOUR_MS) / (perHour * d), Infinity, step));
    };
    const last = this.parsed.levels.length - 1;

    schedule(p.churnValRate, (n, due, send) => {
      const t = tree(n);
      return this.put('churn-val', t.key(Math.floor(rnd() * t.keyCount)), due, send);
    });

    const cycles = this.trees.map((t) => new ChurnCycle(t.prefixCounts[p.churnLevel] ?? 0, Math.floor(((t.prefixCounts[p.churnLevel] ?? 0) * p.churnLevelPct) / 100), rnd));
    schedule(p.churnLevelRate, (n, due, send) => this.churnLevel(tree(n), cycles[n % d] as ChurnCycle, due, send));

    schedule(p.getRate, (n, due, send) => {
      const t = tree(n);
      const node = Math.floor(rnd() * (t.prefixCounts[p.getLevel] ?? 1));
      const key = t.prefix(p.getLevel, node);
      const leaf = p.getLevel >= last;
      return this.range('get-level', key, !leaf, p.serializableGets, p.getKeysOnly, due, send);
    });

    if (watchers && p.watchPrefixGetIntervalMs > 0) {
      const every = p.watchPrefixGetIntervalMs / targets.length;
      // Spread evenly: watcher w's k-th get is due at (w + 0.5 + k * W) * interval / W.
      activities.push(this.openLoop(origin, (n) => (n + 0.5) * every, Infinity, (n, due, send) => this.range('prefix-get', targets[n % targets.length] as string, true, false, false, due, send)));
    }

    if (p.leases && p.leases.active > 0) {
      const ttlSeconds = Math.max(1, Math.round(p.leases.ttlMs / 1000));
      const everyMs = p.leases.ttlMs / (p.leases.active * d);
      activities.push(this.openLoop(origin, (n) => n * everyMs, Infinity, (_n, due, send) => this.leaseAndPut(ttlSeconds, due, send)));
    }

    await Promise.all(activities);
    await this.o.slots.idle();
    await watchers?.stop();
    this.watched = undefined;
  }

  /** Creates the watchers on the targets (prefixes or keys) and waits until every create was answered. */
  private async startWatchers(targets: string[]): Promise<Watchers> {
    const p = this.o.pattern;
    const watchers = new Watchers({
      target: this.o.target,
      streams: Math.ceil(targets.length / p.watchersPerStream),
      perStream: p.watchersPerStream,
      request: (w) => {
        const key = Buffer.from(targets[w % targets.length] as string);
        return p.watchWithPrefix ? { key, rangeEnd: prefixRangeEnd(key) } : { key };
      },
      connections: Math.max(1, this.o.plan.connections),
      deadlineMs: this.o.plan.deadlineMs,
      sink: this.o.sink,
      coordNowMs: this.o.coordNowMs,
      sendTimes: this.sendTimes,
      awaitPuts: true,
      stopped: this.o.stopped,
    });
    this.watched = { watchers, covers: watchCovers(targets, p.watchWithPrefix) };
    await watchers.start();
    return watchers;
  }

  private async churnLevel(t: PatternTree, cycle: ChurnCycle, due: number, send: number | undefined): Promise<void> {
    const step = cycle.next();
    if (!step) return;
    const level = this.o.pattern.churnLevel;
    // A trailing slash keeps a delete to this prefix's own subtree (the driver relied on fixed-width names).
    const prefix = t.prefix(level, step.node) + '/';
    if (step.kind === 'delete') {
      const key = Buffer.from(prefix);
      const conn = this.nextConn();
      await this.o.timed(
        'churn-delete',
        () => {
          this.sendTimes.noteDelete(prefix, performance.now());
          return this.o.target.deleteRange(key, prefixRangeEnd(key), this.o.plan.deadlineMs, conn).then(() => undefined);
        },
        due,
        send,
      );
      return;
    }
    // Put the prefix's keys back, each as its own request through the shared clients.
    const { first, count } = t.leaves(level, step.node);
    this.o.slots.release(); // this tick's own slot: the puts below take one each
    try {
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          await this.o.slots.acquire();
          this.issued++;
          await this.put('churn-put', t.key(first + i), performance.now(), undefined).finally(() => this.o.slots.release());
        }),
      );
    } finally {
      await this.o.slots.acquire();
    }
  }

  private range(op: string, key: string, prefix: boolean, serializable: boolean, keysOnly: boolean, due: number, send: number | undefined): Promise<void> {
    const k = Buffer.from(key);
    const conn = this.nextConn();
    const req = prefix ? { key: k, rangeEnd: prefixRangeEnd(k), serializable, keysOnly } : { key: k, serializable, keysOnly };
    return this.o.timed(op, () => this.o.target.range(req, this.o.plan.deadlineMs, conn).then(() => undefined), due, send);
  }

  private async leaseAndPut(ttlSeconds: number, due: number, send: number | undefined): Promise<void> {
    let id: bigint | undefined;
    const conn = this.nextConn();
    await this.o.timed(
      'lease-grant',
      async () => {
        id = (await this.o.target.leaseGrant(ttlSeconds, this.o.plan.deadlineMs, conn)).id;
      },
      due,
      send,
    );
    if (id === undefined) return;
    const key = `${this.o.pattern.root}/lease/${randomUUID()}`;
    const k = Buffer.from(key);
    const lease = id;
    const t0 = performance.now();
    await this.o.timed('put-lease', () => this.o.target.putRevision(k, Buffer.from('bar'), lease, this.o.plan.deadlineMs, conn).then(() => undefined), t0, undefined);
  }

  /** An open loop over the shared clients; each started step holds a client until it resolves. */
  private async openLoop(origin: number, dueMs: (n: number) => number, limit: number, step: (n: number, due: number, send: number | undefined) => Promise<void>): Promise<void> {
    const slots = this.o.slots;
    await runOpenLoop({
      originPerf: origin,
      dueMs,
      endPerf: this.o.endPerf,
      ...(Number.isFinite(limit) ? { limit } : {}),
      slots,
      stopped: this.o.stopped,
      onLateStart: this.o.onLateStart,
      launch: (i, due, send) => {
        this.issued++;
        void step(i, due, send).finally(() => slots.release());
      },
    });
  }

  /** An unlimited activity: one worker issuing its next step when the last one finished. */
  private async closedWorker(step: (n: number, due: number, send: number | undefined) => Promise<void>): Promise<void> {
    for (let n = 0; !this.done(); n++) {
      await this.o.slots.acquire();
      this.issued++;
      await step(n, performance.now(), undefined).finally(() => this.o.slots.release());
    }
  }
}

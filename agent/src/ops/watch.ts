/**
 * Standing watchers: `streams` Watch streams over the connections, `perStream` watchers on each. Every
 * event is recorded as `watch-event` with the time from its put to its delivery: from the send time the
 * put stamped into its value (any agent's put, in coordinator-clock ms), or from the send time this agent
 * noted for the key (pattern phases, see SendTimes). Events neither can time (a delete seen by another
 * agent, a value written by someone else) are counted as `watch-event-untimed` with a latency of 0.
 * Creating a watcher is recorded as `watch-create`; a stream that fails is counted under `watch-stream`
 * and reopened after a second, until the phase ends.
 */
import { performance } from 'node:perf_hooks';
import type { WatchCreateRequest, WatchResponse } from '../etcd/proto-watch.js';
import type { WatchStream } from '../etcd/watch-stream.js';
import { errorCode } from './errors.js';
import { PendingEvents } from './pending-events.js';
import type { SendTimes } from './send-times.js';
import type { EtcdTarget, ObservationSink } from './types.js';
import { readStamp } from './values.js';

export interface WatchersOptions {
  target: EtcdTarget;
  streams: number;
  perStream: number;
  /** What watcher w (0-based, this agent's) watches. */
  request(w: number): WatchCreateRequest;
  connections: number;
  deadlineMs: number;
  sink: ObservationSink;
  /** Coordinator-clock now in ms, to time stamped values. */
  coordNowMs(): number;
  /** Send times noted per key (and per deleted prefix), to time events whose values carry no stamp. */
  sendTimes?: SendTimes;
  /** The writer reports its puts under watched keys (expectEvent), so stop() can wait for their events. */
  awaitPuts?: boolean;
  stopped(): boolean;
}

/**
 * After the load ends, wait until every awaited event arrived (see expectEvent) and this long passed
 * without one, bounded by DRAIN_MAX_MS.
 */
const DRAIN_QUIET_MS = 200;
const DRAIN_MAX_MS = 2000;
const REOPEN_MS = 1000;

export class Watchers {
  private readonly open: (WatchStream | undefined)[] = [];
  private lastEventPerf = 0;
  private closing = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new PendingEvents();

  constructor(private readonly o: WatchersOptions) {}

  get count(): number {
    return this.o.streams * this.o.perStream;
  }

  /** Opens every stream and creates every watcher; resolves when all creates were answered or failed. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.o.streams }, (_, s) => this.openStream(s)));
  }

  /** A put this agent made under a watched key was answered with `revision`: stop() waits for its event. */
  expectEvent(revision: number): void {
    this.pending.expect(revision, performance.now());
  }

  /** Lets in-flight events arrive, then closes every stream. */
  async stop(): Promise<void> {
    const until = performance.now() + DRAIN_MAX_MS;
    this.lastEventPerf = Math.max(this.lastEventPerf, performance.now());
    const waiting = (now: number): boolean => now - this.lastEventPerf < DRAIN_QUIET_MS || this.pending.outstanding(now) > 0;
    while (performance.now() < until && waiting(performance.now())) await new Promise((r) => setTimeout(r, 20));
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.open) s?.close();
  }

  private async openStream(s: number): Promise<void> {
    let stream: WatchStream;
    try {
      stream = this.o.target.streams.watch(s % this.o.connections, {
        response: (res) => this.onResponse(res),
        end: (err) => {
          if (this.open[s] === stream) this.open[s] = undefined;
          if (!err || this.closing) return;
          this.o.sink.failure('watch-stream', errorCode(err), performance.now());
          if (!this.o.stopped()) this.reopen(s);
        },
      });
    } catch (err) {
      this.o.sink.failure('watch-stream', errorCode(err), performance.now());
      if (!this.o.stopped()) this.reopen(s);
      return;
    }
    this.open[s] = stream;
    await Promise.all(
      Array.from({ length: this.o.perStream }, async (_, k) => {
        const t0 = performance.now();
        try {
          await stream.create(this.o.request(s * this.o.perStream + k), this.o.deadlineMs);
          const end = performance.now();
          this.o.sink.success('watch-create', (end - t0) * 1000, end);
        } catch (err) {
          if (!this.closing) this.o.sink.failure('watch-create', errorCode(err), performance.now());
        }
      }),
    );
  }

  private reopen(s: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closing && !this.o.stopped()) void this.openStream(s);
    }, REOPEN_MS);
    this.timers.add(t);
  }

  private onResponse(res: WatchResponse): void {
    const now = performance.now();
    if (res.events.length > 0) this.lastEventPerf = now;
    const coordNow = this.o.coordNowMs();
    for (const ev of res.events) {
      let latencyMs: number | undefined;
      if (ev.type === 'put') {
        if (this.o.awaitPuts) this.pending.delivered(ev.kv.modRevision, now);
        const stamp = readStamp(ev.kv.value);
        if (stamp !== undefined) latencyMs = coordNow - stamp;
      }
      if (latencyMs === undefined && this.o.sendTimes) {
        const sent = this.o.sendTimes.lookup(ev.kv.key, ev.type === 'delete');
        if (sent !== undefined) latencyMs = now - sent;
      }
      if (latencyMs === undefined) this.o.sink.success('watch-event-untimed', 0, now);
      else this.o.sink.success('watch-event', Math.max(0, latencyMs) * 1000, now);
    }
  }
}

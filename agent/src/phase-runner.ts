import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AgentPhasePlan, formatKey, type OpName, sequentialKeyIndex } from '@etcdlab/common';
import { OpPicker } from './op-picker.js';
import type { PhaseRecorder } from './recorder.js';

/** What the runner needs from an etcd client; EtcdClient provides it. */
export interface KvTarget {
  put(key: Buffer, value: Buffer, deadlineMs: number, conn?: number): Promise<void>;
  get(key: Buffer, opts: { serializable: boolean }, deadlineMs: number, conn?: number): Promise<Buffer | undefined>;
  deleteKey(key: Buffer, deadlineMs: number, conn?: number): Promise<number>;
}

export type EndedBy = 'total' | 'duration' | 'stopped' | 'idle';

export interface RunOutcome {
  endedBy: EndedBy;
  issued: number;
  lateStarts: number;
}

/** Error code for the counts: a gRPC status name when there is one, else the Node error code. */
export function errorCode(err: unknown): string {
  const e = err as { codeName?: unknown; code?: unknown };
  if (typeof e?.codeName === 'string') return e.codeName;
  if (typeof e?.code === 'string') return e.code;
  return 'UNKNOWN';
}

/**
 * Drives one agent's share of a phase. Closed loop: each client issues its next operation when the last
 * one finished. Open loop: operations are due at a fixed rate and their latency counts from when they
 * were due (coordinated-omission correction), so a stalled server shows as latency, not as a lower rate.
 * Nothing is retried: a failed operation is counted by its code and the loop moves on.
 */
export class PhaseRunner {
  private issued = 0;
  private stopped = false;
  private lateStarts = 0;
  private readonly picker: OpPicker;
  private readonly value: Buffer;
  private readonly endPerf: number;

  constructor(
    private readonly plan: AgentPhasePlan,
    private readonly target: KvTarget,
    private readonly recorder: PhaseRecorder,
    private readonly startPerf: number,
  ) {
    this.picker = new OpPicker(plan.ops);
    this.value = randomBytes(plan.valueSize);
    this.endPerf = plan.durationMs !== undefined ? startPerf + plan.durationMs : Infinity;
  }

  /** Open-loop operations that could not start when due because every client was busy. */
  get lateStartCount(): number {
    return this.lateStarts;
  }

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<RunOutcome> {
    const { clients, total } = this.plan;
    if (clients === 0 || total === 0) return { endedBy: 'idle', issued: 0, lateStarts: 0 };
    if (this.plan.rate !== undefined && this.plan.rate > 0) await this.openLoop(this.plan.rate);
    else await Promise.all(Array.from({ length: clients }, (_, i) => this.closedClient(i)));
    const endedBy: EndedBy = this.stopped ? 'stopped' : total !== undefined && this.issued >= total ? 'total' : 'duration';
    return { endedBy, issued: this.issued, lateStarts: this.lateStarts };
  }

  /** Claims the next operation number, or undefined when the phase is over. */
  private claim(now: number): number | undefined {
    if (this.stopped || now >= this.endPerf) return undefined;
    if (this.plan.total !== undefined && this.issued >= this.plan.total) return undefined;
    return this.issued++;
  }

  private async closedClient(client: number): Promise<void> {
    const conn = client % this.plan.connections;
    for (;;) {
      const t0 = performance.now();
      const j = this.claim(t0);
      if (j === undefined) return;
      await this.execute(j, conn, t0);
    }
  }

  private async openLoop(rate: number): Promise<void> {
    const intervalMs = 1000 / rate;
    const inflight = new Set<Promise<void>>();
    let n = 0;
    for (;;) {
      const due = this.startPerf + n * intervalMs;
      const now = performance.now();
      if (due > now) await sleep(Math.min(due - now, 50));
      if (performance.now() < due) continue;
      if (inflight.size >= this.plan.clients) {
        // Every client is busy at the moment this operation is due: it starts late and its latency shows it.
        this.lateStarts++;
        await Promise.race(inflight);
      }
      const j = this.claim(due);
      if (j === undefined) break;
      const p = this.execute(j, n % this.plan.connections, due).finally(() => inflight.delete(p));
      inflight.add(p);
      n++;
    }
    await Promise.all(inflight);
  }

  private keyFor(j: number): Buffer {
    const k = this.plan.keys;
    const index = k.distribution === 'sequential' ? sequentialKeyIndex(k, j) : Math.floor(Math.random() * k.space);
    return Buffer.from(formatKey(k, index));
  }

  /** Runs operation j; latency counts from `from` (send time, or the due time in open loop). */
  private async execute(j: number, conn: number, from: number): Promise<void> {
    const op: OpName = this.picker.pick();
    const key = this.keyFor(j);
    const deadline = this.plan.deadlineMs;
    try {
      if (op === 'put') await this.target.put(key, this.value, deadline, conn);
      else if (op === 'get') await this.target.get(key, { serializable: this.plan.consistency === 'serializable' }, deadline, conn);
      else await this.target.deleteKey(key, deadline, conn);
      const end = performance.now();
      this.recorder.success(op, (end - from) * 1000, end);
    } catch (err) {
      this.recorder.failure(op, errorCode(err), performance.now());
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

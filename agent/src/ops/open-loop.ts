import { performance } from 'node:perf_hooks';
import type { Slots } from './slots.js';

/**
 * An open loop: operation n is due at origin + dueMs(n), whatever happened to the ones before (wrk2's
 * constant throughput). Everything due is started in one pass, then the loop sleeps until the next due
 * time; a due operation that finds every client busy is a late start: it is counted, waits for a client
 * and still has its latency measured from when it was due (coordinated-omission correction). Nothing
 * starts after `endPerf`: operations still due then are dropped starts (counted by the caller).
 */
export interface OpenLoopOptions {
  /** performance.now() of the schedule's time 0. */
  originPerf: number;
  /** Due time of operation n in ms from the origin (Infinity: never). */
  dueMs(n: number): number;
  /** Operations due at or after this are not started. */
  endPerf: number;
  /** At most this many operations. */
  limit?: number;
  /** The first operation to start (a rejoin skips what was due before it joined). */
  first?: number;
  slots: Slots;
  stopped(): boolean;
  /** Starts operation n; `sendPerf` is when it actually goes out. Must release its slot when done. */
  launch(n: number, duePerf: number, sendPerf: number): void;
  onLateStart(): void;
}

/** Longest sleep, so that stop() is noticed quickly. */
const MAX_SLEEP_MS = 50;
/** Starts per pass before yielding to the event loop (responses must be handled too). */
const MAX_BURST = 256;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the loop; resolves with the index after the last operation started (`first` + started). */
export async function runOpenLoop(o: OpenLoopOptions): Promise<number> {
  const limit = o.limit ?? Infinity;
  let n = o.first ?? 0;
  while (n < limit && !o.stopped()) {
    const due = o.originPerf + o.dueMs(n);
    if (!(due < o.endPerf)) break;
    const now = performance.now();
    if (due > now) {
      await sleep(Math.min(due - now, MAX_SLEEP_MS));
      continue;
    }
    // Start everything that is due, up to a burst.
    for (let b = 0; b < MAX_BURST && n < limit; b++) {
      const d = o.originPerf + o.dueMs(n);
      if (!(d <= performance.now() && d < o.endPerf) || o.stopped()) break;
      if (!o.slots.tryAcquire()) {
        // Every client is busy: the start is late; it waits for a client, but never past the phase end
        // (what is still due then is dropped, not started after the phase: the caller counts it).
        if (!(await o.slots.acquireBefore(o.endPerf))) return n;
        o.onLateStart();
        if (o.stopped()) {
          o.slots.release();
          return n;
        }
      }
      o.launch(n, d, performance.now());
      n++;
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  return n;
}

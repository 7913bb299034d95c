import { performance } from 'node:perf_hooks';
import { decodeHistogram } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { runOpenLoop } from '../src/ops/open-loop.js';
import { Slots } from '../src/ops/slots.js';
import { PhaseRecorder, type ClosedInterval } from '../src/recorder.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the open loop', () => {
  it('starts operations on schedule: the count follows the rate, whatever each one takes', async () => {
    const slots = new Slots(100);
    const origin = performance.now() + 20;
    const starts: number[] = [];
    const n = await runOpenLoop({
      originPerf: origin,
      dueMs: (i) => i * 2, // 500/s
      endPerf: origin + 1000,
      slots,
      stopped: () => false,
      onLateStart: () => undefined,
      launch: (_i, due) => {
        starts.push(performance.now() - due);
        void sleep(30).then(() => slots.release()); // each "request" takes 30 ms: 15 in flight
      },
    });
    await slots.idle();
    expect(n).toBe(500);
    // No start before its due time, and most shortly after it (generous: the machine's cores are shared).
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(starts.sort((a, b) => a - b)[Math.floor(starts.length / 2)]).toBeLessThan(50);
  });

  it('a rejoin starts from the first operation due after joining, on the same schedule', async () => {
    const slots = new Slots(10);
    const origin = performance.now() - 500; // joined 500 ms into the schedule
    const started: number[] = [];
    const end = await runOpenLoop({
      originPerf: origin,
      dueMs: (i) => i * 10, // 100/s
      endPerf: origin + 800,
      first: 50,
      slots,
      stopped: () => false,
      onLateStart: () => undefined,
      launch: (i) => {
        started.push(i);
        slots.release();
      },
    });
    expect(started[0]).toBe(50);
    expect(end).toBe(80);
    expect(started).toEqual(Array.from({ length: 30 }, (_, k) => 50 + k));
  });

  it('counts a late start when every client is busy, and starts nothing after the phase end', async () => {
    const slots = new Slots(2);
    const origin = performance.now() + 10;
    let late = 0;
    const lateness: number[] = [];
    const n = await runOpenLoop({
      originPerf: origin,
      dueMs: (i) => i * 10, // 100/s
      endPerf: origin + 300,
      slots,
      stopped: () => false,
      onLateStart: () => late++,
      launch: (_i, due, send) => {
        lateness.push(send - due);
        void sleep(100).then(() => slots.release()); // 2 clients x 100 ms = 20/s, far below 100/s
      },
    });
    const returnedAt = performance.now();
    await slots.idle();
    // 2 clients x 100 ms in 300 ms: about 6 starts (8 at most); nothing starts after the end, so the loop
    // returns at the phase end, and the other ~24 due ones are the caller's dropped starts.
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(8);
    expect(returnedAt - origin).toBeLessThan(300 + 60);
    expect(late).toBeGreaterThanOrEqual(n - 2);
    // Every start went out before the end, late ones counted from when they were due.
    expect(Math.max(...lateness)).toBeLessThan(300);
    expect(Math.max(...lateness)).toBeGreaterThan(50);
  });

  it('stops promptly when told to', async () => {
    const slots = new Slots(1);
    let stop = false;
    const t0 = performance.now();
    setTimeout(() => (stop = true), 50);
    await runOpenLoop({ originPerf: t0, dueMs: (i) => i * 1000, endPerf: Infinity, slots, stopped: () => stop, onLateStart: () => undefined, launch: () => slots.release() });
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('the recorder', () => {
  it('keeps warm-up operations apart (their own reports, never in the whole-phase histograms) and service times beside latencies', () => {
    const closed: ClosedInterval[] = [];
    const rec = new PhaseRecorder(0, 1000, (c) => closed.push(c));
    rec.success('put', 5000, 100, 50, true); // warm-up
    rec.failure('put', 'UNAVAILABLE', 200, true);
    rec.success('put', 7000, 1500, 300, true); // a warm-up op that ended in interval 1
    rec.success('put', 2000, 1600, 1900);
    rec.success('put', 3000, 2500, 2900);
    rec.success('watch-event', 400, 2600);
    rec.finish(2700);
    expect(closed.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(closed[0]!.warmupOps).toEqual([expect.objectContaining({ op: 'put', count: 1, errors: { UNAVAILABLE: 1 } })]);
    expect(closed[0]!.ops).toEqual([]);
    expect(closed[1]!.warmupOps[0]!.count).toBe(1);
    expect(closed[1]!.ops[0]!.count).toBe(1);
    const finals = rec.finals();
    const put = finals.find((f) => f.op === 'put')!;
    expect(put.count).toBe(2);
    expect(put.errors).toEqual({});
    expect(decodeHistogram(put.histogram).maxValue).toBeLessThan(3010);
    expect(decodeHistogram(put.serviceHistogram!).maxValue).toBeLessThan(2910);
    expect(finals.find((f) => f.op === 'watch-event')!.serviceHistogram).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHistogram, newAgentHistogram, recordUs } from '../src/histogram.js';
import type { IntervalReport, OpInterval } from '../src/protocol/messages.js';
import { PhaseMerger } from '../src/results/phase-merger.js';

const START = 1_700_000_000_000;

function opInterval(op: 'put' | 'get', values: number[], errors: Record<string, number> = {}): OpInterval {
  const h = newAgentHistogram();
  for (const v of values) recordUs(h, v);
  return { op, count: values.length, errors, histogram: encodeHistogram(h) };
}

function report(agentId: string, seq: number, k: number, ops: OpInterval[]): IntervalReport {
  return { runId: 'r', agentId, instance: 'i1', seq, phase: 'p', intervalStartMs: START + k * 1000, intervalMs: 1000, ops, cpuUs: 1000, lateStarts: 0 };
}

/** Agent a's interval k holds values derived from (a, k) so that every interval is distinguishable. */
function valuesFor(a: number, k: number): number[] {
  return Array.from({ length: 1 + ((a * 7 + k * 3) % 5) }, (_, i) => 100 * (k + 1) + 10 * a + i);
}

describe('PhaseMerger', () => {
  it('merges by interval start whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (agents, intervals, seed) => {
        const reports: IntervalReport[] = [];
        for (let a = 0; a < agents; a++) for (let k = 0; k < intervals; k++) reports.push(report(`a${a}`, k, k, [opInterval('put', valuesFor(a, k))]));
        // Shuffle deterministically from the seed.
        let x = seed >>> 0;
        for (let i = reports.length - 1; i > 0; i--) {
          x = (x * 1103515245 + 12345) >>> 0;
          const j = x % (i + 1);
          [reports[i], reports[j]] = [reports[j]!, reports[i]!];
        }
        const m = new PhaseMerger({ phase: 'p', agentIds: Array.from({ length: agents }, (_, a) => `a${a}`), intervalMs: 1000, startAtMs: START, finalizeLagIntervals: Infinity });
        for (const r of reports) m.addInterval(r);
        const s = m.summarize(new Map());
        expect(s.intervals.map((i) => i.offsetSec)).toEqual(Array.from({ length: intervals }, (_, k) => k));
        for (let k = 0; k < intervals; k++) {
          const expected = Array.from({ length: agents }, (_, a) => valuesFor(a, k)).flat();
          expect(s.intervals[k]!.count).toBe(expected.length);
          expect(s.intervals[k]!.latencyUs.max).toBeGreaterThanOrEqual(Math.max(...expected));
          expect(s.intervals[k]!.latencyUs.max).toBeLessThan(Math.max(...expected) + 1);
        }
        const all = Array.from({ length: agents }, (_, a) => Array.from({ length: intervals }, (_, k) => valuesFor(a, k)).flat()).flat();
        expect(s.ops.put!.count).toBe(all.length);
      }),
      { numRuns: 100 },
    );
  });

  it('drops duplicates (a resend after reconnect) by agent and seq', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a'], intervalMs: 1000, startAtMs: START });
    const r = report('a', 0, 0, [opInterval('put', [100, 200])]);
    expect(m.addInterval(r)).toBe(true);
    expect(m.addInterval(r)).toBe(false);
    expect(m.summarize(new Map()).ops.put!.count).toBe(2);
  });

  it('an interrupted phase with no end report lasts as long as its intervals, not 1 ms', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a', 'b'], intervalMs: 1000, startAtMs: START });
    for (let k = 0; k < 48; k++) for (const a of ['a', 'b']) m.addInterval(report(a, k, k, [opInterval('put', [100, 200])]));
    const s = m.summarize(new Map());
    expect(s.durationMs).toBe(48_000);
    expect(s.ops.put!.throughputOpsPerSec).toBeCloseTo(4 * 48 / 48, 6);
  });

  it('finalizes intervals behind every agent and counts late data into totals', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a', 'b'], intervalMs: 1000, startAtMs: START, finalizeLagIntervals: 1 });
    for (let k = 0; k < 4; k++) {
      m.addInterval(report('a', k, k, [opInterval('put', [100])]));
      m.addInterval(report('b', k + 10, k, [opInterval('put', [100])]));
    }
    // b's interval 0 arrives again with a new seq after it was finalized: totals include it, the interval is marked late.
    m.addInterval(report('b', 99, 0, [opInterval('put', [5000])]));
    const s = m.summarize(new Map());
    expect(s.ops.put!.count).toBe(9);
    expect(s.intervals[0]).toMatchObject({ count: 3, late: true });
  });

  it('keeps errors by code, and checks finals against the sum of intervals', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a'], intervalMs: 1000, startAtMs: START });
    m.addInterval(report('a', 0, 0, [opInterval('put', [100, 300], { DEADLINE_EXCEEDED: 2 })]));
    m.addInterval(report('a', 1, 1, [opInterval('put', [200], { UNAVAILABLE: 1 })]));
    const good = m.addDone({ runId: 'r', agentId: 'a', instance: 'i1', phase: 'p', finals: [opInterval('put', [100, 200, 300], { DEADLINE_EXCEEDED: 2, UNAVAILABLE: 1 })], lastSeq: 1, startSkewMs: 0.2, elapsedMs: 2000, endedBy: 'total' });
    expect(good).toEqual([]);
    const bad = m.addDone({ runId: 'r', agentId: 'a', instance: 'i1', phase: 'p', finals: [opInterval('put', [100, 200, 9000], { DEADLINE_EXCEEDED: 2, UNAVAILABLE: 1 })], lastSeq: 1, startSkewMs: 0, elapsedMs: 2000, endedBy: 'total' });
    expect(bad).toHaveLength(1);
    expect(bad[0]!.detail).toMatch(/buckets differ/);
    const s = m.summarize(new Map([['a', 4]]));
    expect(s.ops.put!.errorsByCode).toEqual({ DEADLINE_EXCEEDED: 2, UNAVAILABLE: 1 });
    expect(s.all.errors).toBe(3);
    expect(s.agents[0]).toMatchObject({ agentId: 'a', clients: 4, count: 3, errors: 3 });
  });
});

describe('PhaseMerger: a restarted agent (two instances of one agent id)', () => {
  it('keeps both instances (same seqs), drops duplicates within one, checks the end report against its own instance', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a'], intervalMs: 1000, startAtMs: START });
    const first = (seq: number, k: number, values: number[]) => ({ ...report('a', seq, k, [opInterval('put', values)]), instance: 'old' });
    const second = (seq: number, k: number, values: number[]) => ({ ...report('a', seq, k, [opInterval('put', values)]), instance: 'new' });
    expect(m.addInterval(first(0, 0, [100, 200]))).toBe(true);
    expect(m.addInterval(first(1, 1, [300]))).toBe(true); // its checkpoint of interval 1, resent by the new process
    expect(m.addInterval(first(1, 1, [300]))).toBe(false);
    // The new process numbers from 0 again and joins in interval 1.
    expect(m.addInterval(second(0, 1, [400]))).toBe(true);
    expect(m.addInterval(second(1, 2, [500, 600]))).toBe(true);
    const mismatches = m.addDone({ runId: 'r', agentId: 'a', instance: 'new', phase: 'p', finals: [opInterval('put', [400, 500, 600])], lastSeq: 1, startSkewMs: 0, joinedAtMs: 1200, elapsedMs: 1800, endedBy: 'duration' });
    expect(mismatches).toEqual([]);
    const s = m.summarize(new Map([['a', 2]]));
    expect(s.all.count).toBe(6);
    expect(s.agents[0]).toMatchObject({ agentId: 'a', count: 6, endedBy: 'duration' });
    expect(s.intervals.map((i) => i.count)).toEqual([2, 2, 2]);
    // Joined 1.2 s after the start and ran 1.8 s: the phase lasted 3 s.
    expect(s.durationMs).toBe(3000);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeHistogram, newAgentHistogram, recordUs } from '../src/histogram.js';
import type { IntervalReport, OpInterval } from '../src/protocol/messages.js';
import { intervalReportSchema, phaseDoneSchema } from '../src/protocol/messages.js';
import { PhaseMerger } from '../src/results/phase-merger.js';

const START = 1_700_000_000_000;
const hist = (values: number[]): string => {
  const h = newAgentHistogram();
  for (const v of values) recordUs(h, v);
  return encodeHistogram(h);
};
const op = (name: string, values: number[], service?: number[]): OpInterval => ({ op: name, count: values.length, errors: {}, histogram: hist(values), ...(service ? { serviceHistogram: hist(service) } : {}) });
const report = (seq: number, k: number, ops: OpInterval[], warmup = false): IntervalReport => ({ runId: 'r', agentId: 'a1', instance: 'i1', seq, phase: 'p', intervalStartMs: START + k * 1000, intervalMs: 1000, ops, cpuUs: 10, lateStarts: 1, ...(warmup ? { warmup } : {}) });

describe('PhaseMerger: warm-up, service time and observations', () => {
  it('leaves warm-up intervals out, merges service times beside latencies, and keeps watch events out of `all`', () => {
    // The measured part starts at interval 2 (a 2-second warm-up).
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a1'], intervalMs: 1000, startAtMs: START + 2000 });
    const reports = [
      report(0, 0, [op('put', [5000, 6000], [100, 200])], true),
      report(1, 1, [op('put', [7000], [300])], true),
      report(2, 2, [op('put', [1000, 2000], [900, 1900]), op('watch-event', [400, 500, 600])]),
      report(3, 2, [op('put', [99_000], [99])], true), // a warm-up op that ended in a measured interval
      report(4, 3, [op('put', [3000], [2500]), op('watch-event-untimed', [0])]),
    ];
    for (const r of reports) {
      expect(intervalReportSchema.safeParse(r).success).toBe(true);
      expect(m.addInterval(r)).toBe(true);
    }
    expect(m.addInterval(reports[0]!)).toBe(false); // duplicates still dropped
    const finals = [op('put', [1000, 2000, 3000], [900, 1900, 2500]), op('watch-event', [400, 500, 600]), op('watch-event-untimed', [0])];
    const done = { runId: 'r', agentId: 'a1', instance: 'i1', phase: 'p', finals, lastSeq: 4, startSkewMs: 0.1, elapsedMs: 2000, endedBy: 'duration' as const };
    expect(phaseDoneSchema.safeParse(done).success).toBe(true);
    expect(m.addDone(done)).toEqual([]);
    const s = m.summarize(new Map([['a1', 1]]));
    expect(s.ops.put!.count).toBe(3);
    expect(s.ops.put!.latencyUs.max).toBeLessThan(3010);
    expect(s.ops.put!.serviceUs!.max).toBeLessThan(2510);
    expect(s.ops.put!.serviceUs!.min).toBeGreaterThanOrEqual(900);
    expect(s.ops['watch-event']!.count).toBe(3);
    // `all` and the intervals count operations, not events; warm-up late starts are left out too.
    expect(s.all.count).toBe(3);
    expect(s.intervals.reduce((a, i) => a + i.count, 0)).toBe(3);
    expect(s.lateStarts).toBe(2);
    expect(s.agents[0]!.count).toBe(3);
  });

  it('flags a whole-phase service histogram that does not match its intervals', () => {
    const m = new PhaseMerger({ phase: 'p', agentIds: ['a1'], intervalMs: 1000, startAtMs: START });
    m.addInterval(report(0, 0, [op('put', [1000], [500])]));
    const bad = m.addDone({ runId: 'r', agentId: 'a1', instance: 'i1', phase: 'p', finals: [op('put', [1000], [700])], lastSeq: 0, startSkewMs: 0, elapsedMs: 1000, endedBy: 'duration' });
    expect(bad.map((x) => x.detail)).toEqual(['final service-time histogram differs from the sum of its intervals']);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHistogram, histogramsEqual, newAgentHistogram, newMergeHistogram, recordUs, decodeHistogram } from '@etcdlab/common';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, mergeRuns, readRun, type RawRun, toRunSummary, writeRun } from '../src/report/index.js';
import { latencies, prng, writeSyntheticRun } from './helpers/synthetic-run.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'etcdlab-report-merge-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A run in memory: one phase, one agent, one interval per list of latencies, `errors` DEADLINE_EXCEEDED each. */
function memRun(runId: string, base: number, intervals: number[][], errors = 0): RawRun {
  const start = base + 1500;
  return {
    dir: `/nowhere/${runId}`,
    runId,
    baseTimeMs: base,
    status: 'completed',
    intervalMs: 1000,
    cluster: { provider: 'local', members: 3, endpoints: [] },
    workload: { name: 'w', source: 'w.yaml', quick: false, phases: [{ name: 'p', clients: 2 }] },
    agents: [{ agentId: 'agent-1' }],
    phases: [{ name: 'p', startedAtMs: start, durationMs: intervals.length * 1000, agents: [{ agentId: 'agent-1', clients: 2, startSkewMs: 1, elapsedMs: intervals.length * 1000, endedBy: 'duration' }] }],
    intervals: intervals.map((values, k) => {
      const h = newAgentHistogram();
      for (const v of values) recordUs(h, v);
      return { agentId: 'agent-1', seq: k, phase: 'p', startMs: start + k * 1000, lengthMs: 1000, cpuUs: 1000, lateStarts: 0, ops: [{ op: 'put', count: values.length, errors: (errors ? { DEADLINE_EXCEEDED: errors } : {}) as Record<string, number>, histogram: encodeHistogram(h) }] };
    }),
    integrity: { ok: true, mismatches: [] },
    runWarnings: [],
    metrics: [],
    hostSamples: [],
    hostChecks: [],
    manifest: {},
  };
}

/** Every interval histogram of a run's phase and op, added up. */
function total(run: RawRun, phase: string, op: string) {
  const h = newMergeHistogram();
  for (const i of run.intervals) for (const o of i.ops) if (i.phase === phase && o.op === op && o.count > 0) h.add(decodeHistogram(o.histogram));
  return h;
}

const lists = fc.array(fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 0, maxLength: 60 }), { minLength: 1, maxLength: 4 });

describe('merging runs from their raw data', () => {
  it('gives the sum of both runs, bucket for bucket (property)', () => {
    fc.assert(
      fc.property(lists, lists, fc.integer({ min: 0, max: 5 }), fc.constantFrom('parallel' as const, 'sequential' as const), (a, b, errs, mode) => {
        const ra = memRun('run-a', 1_800_000_000_000, a, errs);
        const rb = memRun('run-b', 1_800_000_777_777, b);
        const merged = mergeRuns([ra, rb], mode, '/nowhere/merged');
        const sum = total(ra, 'p', 'put');
        sum.add(total(rb, 'p', 'put'));
        expect(histogramsEqual(total(merged, 'p', 'put'), sum)).toBe(true);
        const model = buildReport(merged);
        const n = a.flat().length + b.flat().length;
        expect(model.phases[0]?.ops.put?.count ?? 0).toBe(n);
        if (n > 0) {
          const all = newMergeHistogram();
          for (const v of [...a.flat(), ...b.flat()]) recordUs(all, v);
          expect(model.phases[0]?.ops.put?.latencyUs.p99).toBe(all.getValueAtPercentile(99));
        }
        expect(model.phases[0]?.ops.put?.errors ?? 0).toBe(errs * a.length);
        // parallel: side by side (the longer run's time); sequential: end to end.
        expect(merged.phases[0]?.durationMs).toBe(mode === 'parallel' ? Math.max(a.length, b.length) * 1000 : (a.length + b.length) * 1000);
        expect(merged.agents.map((x) => x.agentId)).toEqual(['run-a.agent-1', 'run-b.agent-1']);
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('lays repeats end to end and runs at the same time over each other', () => {
    const a = memRun('run-a', 1_800_000_000_000, [[100], [200]]);
    const b = memRun('run-b', 1_800_000_500_000, [[300], [400], [500]]);
    const seq = buildReport(mergeRuns([a, b], 'sequential', '/x')).phases[0];
    expect(seq?.timeline.put?.map((t) => [t.offsetSec, t.count])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
    const par = buildReport(mergeRuns([a, b], 'parallel', '/x')).phases[0];
    expect(par?.timeline.put?.map((t) => [t.offsetSec, t.count])).toEqual([[0, 2], [1, 2], [2, 1]]);
    expect(par?.ops.put?.throughputOpsPerSec).toBeCloseTo(5 / 3, 9);
  });

  it('warns when runs merged as parallel did not run at the same time, or used other workloads', () => {
    const a = memRun('run-a', 1_800_000_000_000, [[100], [200]]);
    const apart = memRun('run-b', 1_800_000_500_000, [[300]]);
    const together = memRun('run-c', 1_800_000_000_400, [[300]]);
    expect(mergeRuns([a, apart], 'parallel', '/x').runWarnings).toEqual([expect.stringContaining('the runs did not run at the same time (p)')]);
    expect(mergeRuns([a, apart], 'sequential', '/x').runWarnings).toEqual([]);
    expect(mergeRuns([a, together], 'parallel', '/x').runWarnings).toEqual([]);
    const quick = { ...together, workload: { ...together.workload, quick: true } };
    expect(mergeRuns([a, quick], 'parallel', '/x').runWarnings).toEqual(['results folder: merged runs used different workloads (w, w --quick)']);
  });

  it('refuses mixed interval lengths and the same run twice', () => {
    const a = memRun('run-a', 1_800_000_000_000, [[1]]);
    expect(() => mergeRuns([a, { ...a, runId: 'run-b', intervalMs: 500 }], 'parallel', '/x')).toThrow(/different interval lengths/);
    expect(() => mergeRuns([a, a], 'parallel', '/x')).toThrow(/the same run was given twice/);
    expect(() => mergeRuns([a], 'parallel', '/x')).toThrow(/two results folders or more/);
  });

  it('writes a merged results folder that reads back to the same figures, histograms untouched', async () => {
    const rand = prng(7);
    const [da, db, out] = [tmp(), tmp(), join(tmp(), 'merged')];
    const phase = (name: string, n: number) => ({ name, startOffsetMs: 1500, durationMs: 2000, agents: [{ id: 'agent-1', intervals: [{ ops: { put: { values: latencies(rand, n, 2000) } } }, { ops: { put: { values: latencies(rand, n, 3000) } } }] }] });
    await writeSyntheticRun(da, { runId: 'run-a', baseTimeMs: 1_800_000_000_000, phases: [phase('writes', 300)] });
    await writeSyntheticRun(db, { runId: 'run-b', baseTimeMs: 1_800_000_100_000, phases: [phase('writes', 200)] });
    const merged = mergeRuns([readRun(da), readRun(db)], 'parallel', out);
    const model = buildReport(merged);
    writeRun(merged, toRunSummary(merged, model));
    const back = readRun(out);
    expect(buildReport(back).phases).toEqual(model.phases);
    expect(back.mergedFrom?.map((m) => m.runId)).toEqual(['run-a', 'run-b']);
    // The histogram text of every interval is copied, never re-encoded.
    const hist = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('Tag=')).map((l) => l.split(',').at(-1));
    expect(hist(join(out, 'agents', 'run-a.agent-1.hlog'))).toEqual(hist(join(da, 'agents', 'agent-1.hlog')));
    expect(model.phases[0]?.ops.put?.count).toBe(1000);
    // Merging again into the same folder replaces it; another folder with other content is refused.
    writeRun(merged, toRunSummary(merged, model));
    expect(() => writeRun({ ...merged, dir: da, runId: 'other' }, toRunSummary(merged, model))).toThrow(/already holds something else/);
  });
});

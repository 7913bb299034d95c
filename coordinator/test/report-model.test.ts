import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram, encodeHistogram, type EtcdlabError, ExitStatus, exitStatusOf, newMergeHistogram, recordUs } from '@etcdlab/common';
import { toRunSummary } from '../src/report/model/summary.js';
import * as hdr from 'hdr-histogram-js';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, readRun } from '../src/report/index.js';
import { latencies, prng, type SynthRun, writeSyntheticRun } from './helpers/synthetic-run.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'etcdlab-report-model-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const rand = prng(42);
const base = 1_800_000_000_000;
const a1 = [latencies(rand, 400, 2000), latencies(rand, 350, 2500), latencies(rand, 90, 3000)];
const a2 = [latencies(rand, 380, 2200), latencies(rand, 20, 9000), latencies(rand, 100, 2400)];
const gets = latencies(rand, 700, 800);
const warm = latencies(rand, 50, 50_000);

const run: SynthRun = {
  runId: 'synthetic-1',
  baseTimeMs: base,
  phases: [
    {
      name: 'writes',
      startOffsetMs: 2000,
      durationMs: 2600,
      agents: [
        { id: 'agent-1', clients: 2, intervals: a1.map((v, i) => ({ ops: { put: { values: v, ...(i === 1 ? { errors: { DEADLINE_EXCEEDED: 3 } } : {}) } } })) },
        { id: 'agent-2', clients: 2, intervals: a2.map((v, i) => ({ ops: { put: { values: v, ...(i === 1 ? { errors: { UNAVAILABLE: 2, DEADLINE_EXCEEDED: 1 } } : {}) } } })) },
      ],
    },
    {
      name: 'mixed',
      startOffsetMs: 6000,
      durationMs: 2000,
      agents: [{ id: 'agent-1', clients: 4, intervals: [{ warmup: true, ops: { get: { values: warm } } }, { ops: { get: { values: gets }, put: { values: a1[0] as number[] } } }] }],
    },
  ],
};

/** The test's own histogram of the values, through the same encoding the .hlog holds (which keeps bucket precision). */
const reference = (values: number[][]) => {
  const h = newMergeHistogram();
  for (const list of values) for (const v of list) recordUs(h, v);
  return decodeHistogram(encodeHistogram(h));
};

describe('the report model, recomputed from a results folder', () => {
  it("gives every phase's figures exactly as the raw histograms do", async () => {
    const dir = tmp();
    await writeSyntheticRun(dir, run);
    const model = buildReport(readRun(dir));
    const writes = model.phases[0];
    const ref = reference([...a1, ...a2]);
    expect(writes?.ops.put?.count).toBe(ref.totalCount);
    expect(writes?.ops.put?.latencyUs).toEqual({ p50: ref.getValueAtPercentile(50), p90: ref.getValueAtPercentile(90), p99: ref.getValueAtPercentile(99), p999: ref.getValueAtPercentile(99.9), max: ref.maxValue, min: ref.minNonZeroValue, mean: Math.round(ref.mean), stddev: Math.round(ref.stdDeviation) });
    expect(writes?.ops.put?.errorsByCode).toEqual({ DEADLINE_EXCEEDED: 4, UNAVAILABLE: 2 });
    expect(writes?.ops.put?.errorRate).toBeCloseTo(6 / (ref.totalCount + 6), 12);
    expect(writes?.ops.put?.throughputOpsPerSec).toBeCloseTo(ref.totalCount / 2.6, 9);

    // Per interval: merged over agents, by position from the phase start.
    const t = writes?.timeline.put ?? [];
    expect(t.map((p) => p.offsetSec)).toEqual([0, 1, 2]);
    for (let i = 0; i < 3; i++) {
      const r = reference([a1[i] as number[], a2[i] as number[]]);
      expect(t[i]).toMatchObject({ count: r.totalCount, p50Us: r.getValueAtPercentile(50), p99Us: r.getValueAtPercentile(99), p999Us: r.getValueAtPercentile(99.9), maxUs: r.maxValue });
    }
    // The last interval is cut short by the phase's end (0.6 s of it): its rate is over that part.
    expect(t[2]?.opsPerSec).toBeCloseTo(((a1[2]?.length ?? 0) + (a2[2]?.length ?? 0)) / 0.6, 9);
    expect(writes?.errorsOverTime).toEqual([
      { offsetSec: 1, op: 'put', code: 'DEADLINE_EXCEEDED', count: 4 },
      { offsetSec: 1, op: 'put', code: 'UNAVAILABLE', count: 2 },
    ]);
    expect(writes?.agents.map((a) => [a.agentId, a.count, a.errors, a.clients])).toEqual([
      ['agent-1', 840, 3, 2],
      ['agent-2', 500, 3, 2],
    ]);
  });

  it('agrees with the .hlog files read by HdrHistogram\'s own log reader', async () => {
    const dir = tmp();
    await writeSyntheticRun(dir, run);
    const model = buildReport(readRun(dir));
    const sums = new Map<string, hdr.Histogram>();
    for (const agent of ['agent-1', 'agent-2']) {
      const text = readFileSync(join(dir, 'agents', `${agent}.hlog`), 'utf8');
      const reader = new hdr.HistogramLogReader(text, 64, false);
      for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
        const tag = (h as unknown as { tag: string }).tag;
        const acc = sums.get(tag) ?? hdr.build({ bitBucketSize: 64, useWebAssembly: false, numberOfSignificantValueDigits: 3, highestTrackableValue: 3_600_000_000 });
        acc.add(h);
        sums.set(tag, acc);
      }
    }
    expect([...sums.keys()].sort()).toEqual(['mixed/get', 'mixed/put', 'mixed/warmup/get', 'writes/put']);
    for (const [tag, h] of sums) {
      if (tag.includes('/warmup/')) continue;
      const [phase, op] = tag.split('/') as [string, string];
      const stats = model.phases.find((p) => p.name === phase)?.ops[op];
      expect(stats?.count, tag).toBe(h.totalCount);
      expect(stats?.latencyUs.p99, tag).toBe(h.getValueAtPercentile(99));
      expect(stats?.latencyUs.p999, tag).toBe(h.getValueAtPercentile(99.9));
      expect(stats?.latencyUs.max, tag).toBe(h.maxValue);
    }
  });

  it('leaves warm-up intervals out of the results but shows them on the timeline', async () => {
    const dir = tmp();
    await writeSyntheticRun(dir, run);
    const mixed = buildReport(readRun(dir)).phases[1];
    expect(mixed?.ops.get?.count).toBe(gets.length);
    expect(mixed?.ops.get?.latencyUs.max).toBe(reference([gets]).maxValue);
    expect(mixed?.timeline.get?.map((p) => [p.offsetSec, p.count, p.warmup ?? false])).toEqual([
      [0, warm.length, true],
      [1, gets.length, false],
    ]);
    expect(mixed?.percentiles.all?.at(-1)?.totalCount).toBe(gets.length + (a1[0]?.length ?? 0));
  });

  it('warns of a CPU-bound agent only over at least one interval (a phase cut short is mostly its edges)', async () => {
    const short: SynthRun = {
      ...run,
      runId: 'synthetic-short-cpu',
      phases: [{ ...(run.phases[0] as SynthRun['phases'][number]), durationMs: 40, agents: [{ id: 'agent-1', intervals: [{ cpuUs: 270_000, ops: { put: { values: [100] } } }] }] }],
    };
    const dir = tmp();
    await writeSyntheticRun(dir, short);
    const model = buildReport(readRun(dir));
    expect(model.phases[0]?.agents[0]?.cpuCores).toBeCloseTo(6.75, 2);
    expect(model.warnings.filter((w) => w.kind === 'agent-cpu-bound')).toEqual([]);
  });

  it('names the reasons to doubt a result', async () => {
    const dir = tmp();
    const doubtful: SynthRun = {
      ...run,
      runId: 'synthetic-doubt',
      status: 'aborted',
      agentClock: { 'agent-2': { offsetMs: 3, rttMs: 40 } },
      warnings: ['agent agent-2 reported E_AGENT_PHASE_FAILED in phase writes: boom'],
      phases: [{ ...(run.phases[0] as SynthRun['phases'][number]), agents: [{ id: 'agent-1', startSkewMs: 25, intervals: [{ cpuUs: 2_500_000, ops: { put: { values: [100, 200] } } }] }, { id: 'agent-2', endedBy: 'lost', intervals: [{ ops: { put: { values: [300] } } }] }] }],
      manifestExtra: {
        hostChecks: { source: 'run -i probe', hosts: [{ name: 'etcd-a', reachable: true, cpus: 2, loadAvg1m: 0.3 }, { name: 'etcd-b', reachable: false, error: 'connect ECONNREFUSED' }] },
        hostsCheck: { schema: 'etcdlab.hosts-check/1', hosts: [{ name: 'load-1', cpu: { busyPct: 50, stealPct: 12.5, iowaitPct: 0 }, topProcesses: [{ pid: 9, comm: 'stress-ng', cmdline: 'stress-ng --cpu 1', cpuPct: 97 }], reasons: [{ level: 'warn', check: 'steal', message: 'CPU steal 12.5%' }] }] },
      },
    };
    await writeSyntheticRun(dir, doubtful);
    const model = buildReport(readRun(dir));
    const kinds = model.warnings.map((w) => w.kind);
    expect(kinds).toEqual(['run-incomplete', 'agent-cpu-bound', 'clock-skew', 'agent-lost', 'clock-skew', 'host-steal', 'noisy-neighbour', 'agent-fault']);
    expect(model.warnings.find((w) => w.kind === 'agent-cpu-bound')?.message).toMatch(/agent agent-1 used 0\.96 CPU cores in phase writes/);
    expect(model.warnings.find((w) => w.kind === 'noisy-neighbour')?.message).toMatch(/load-1: foreign process "stress-ng" used 97% of a core/);
    const hosts = Object.fromEntries(model.hosts.map((h) => [h.host, h]));
    expect(hosts['etcd-b']?.flags.map((f) => f.message)).toEqual(['etcd-b: unreachable', 'etcd-b: connect ECONNREFUSED']);
    expect(hosts['load-1']?.stealPctMax).toBe(12.5);
    expect(hosts['etcd-a']?.load1Max).toBe(0.3);
  });

  it('reads a run cut short: no summary.json, a partial last line', async () => {
    const dir = tmp();
    await writeSyntheticRun(dir, { ...run, runId: 'synthetic-cut', noSummary: true });
    appendFileSync(join(dir, 'agents', 'agent-2.intervals.jsonl'), '{"runId":"synthetic-cut","agen');
    const raw = readRun(dir);
    expect(raw.phases.map((p) => [p.name, p.startedAtMs - base, p.durationMs])).toEqual([
      ['writes', 2000, 3000],
      ['mixed', 6000, 2000],
    ]);
    expect(raw.runWarnings.some((w) => /agent-2\.intervals\.jsonl: 1 line\(s\) skipped, not part of the results \(line 4: not JSON\)/.test(w))).toBe(true);
    expect(buildReport(raw).phases[0]?.ops.put?.count).toBe(1340);
    // Its coordinator died before recording any phase: the run failed, every phase is partial, and it says so.
    expect(raw.status).toBe('failed');
    expect(raw.phases.map((p) => p.outcome)).toEqual(['incomplete', 'incomplete']);
    expect(raw.runWarnings).toContain('results folder: the run did not finish: its coordinator stopped (killed or crashed) after 0 recorded phase(s); writes, mixed from the intervals that arrived, partial');
    const summary = toRunSummary(raw, buildReport(raw));
    expect(summary.status).toBe('failed');
    expect(summary.verdict.status).toBe('INCOMPLETE');
    expect(exitStatusOf(summary)).toBe(ExitStatus.toolFailure);
  });

  it('reads a run whose coordinator died after its first phase: that phase as recorded, the next one partial', async () => {
    const dir = tmp();
    await writeSyntheticRun(dir, { ...run, runId: 'synthetic-killed', noSummary: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const first = { name: 'writes', startedAtMs: base + 2000, durationMs: 3000, outcome: 'completed', reasons: [], agents: [{ agentId: 'agent-1', clients: 1, startSkewMs: 0.5, elapsedMs: 3000, endedBy: 'total' }, { agentId: 'agent-2', clients: 1, startSkewMs: 0.5, elapsedMs: 3000, endedBy: 'total' }] };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, schemaVersion: 2, status: 'running', phases: [first] }));
    const raw = readRun(dir);
    expect(raw.status).toBe('failed');
    expect(raw.phases.map((p) => [p.name, p.outcome])).toEqual([['writes', 'completed'], ['mixed', 'incomplete']]);
    expect(raw.runWarnings.some((w) => w.includes('after 1 recorded phase(s); mixed from the intervals that arrived, partial'))).toBe(true);
    expect(toRunSummary(raw, buildReport(raw)).verdict.reason).toContain('phase mixed incomplete (the coordinator stopped during this phase');
  });

  it('refuses what is not a results folder, naming the file and the fix', async () => {
    const dir = tmp();
    const err = (() => {
      try {
        readRun(dir);
      } catch (e) {
        return e as EtcdlabError;
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe('E_RESULTS_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.problems[0]).toMatchObject({ file: join(dir, 'manifest.json'), message: 'missing' });
    expect(err.problems[0]?.fix).toMatch(/results\/<run-id>/);

    await writeSyntheticRun(dir, run);
    const hlog = join(dir, 'agents', 'agent-1.hlog');
    writeFileSync(hlog, readFileSync(hlog, 'utf8').split('\n').slice(0, -3).join('\n') + '\n');
    expect(() => readRun(dir)).toThrow(/not a readable results folder/);
    try {
      readRun(dir);
    } catch (e) {
      expect((e as EtcdlabError).problems[0]?.file).toBe(hlog);
      expect((e as EtcdlabError).problems[0]?.message).toMatch(/no histogram at .* for seq \d+ of agent-1\.intervals\.jsonl/);
    }
  });
});

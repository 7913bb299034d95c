/**
 * Builds results folders for the report tests with the coordinator's own ResultsWriter (the code a run
 * uses), from latencies chosen by the test: every figure a report shows can then be checked against
 * histograms the test recorded itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHistogram, type IntervalReport, newAgentHistogram, recordUs } from '@etcdlab/common';
import type { MetricsSample } from '../../src/metrics/index.js';
import { ResultsWriter } from '../../src/run/results-writer.js';

export interface SynthOp {
  /** Latencies of successful operations, microseconds. */
  values: number[];
  errors?: Record<string, number>;
}

export interface SynthInterval {
  ops: Record<string, SynthOp>;
  cpuUs?: number;
  lateStarts?: number;
  warmup?: boolean;
}

export interface SynthAgent {
  id: string;
  clients?: number;
  startSkewMs?: number;
  endedBy?: string;
  intervals: SynthInterval[];
}

export interface SynthPhase {
  name: string;
  /** ms after the run's base time. */
  startOffsetMs: number;
  durationMs: number;
  agents: SynthAgent[];
  spec?: Record<string, unknown>;
}

export interface SynthRun {
  runId: string;
  baseTimeMs: number;
  members?: number;
  phases: SynthPhase[];
  rules?: unknown[];
  metrics?: MetricsSample[];
  warnings?: string[];
  status?: string;
  manifestExtra?: Record<string, unknown>;
  agentClock?: Record<string, { offsetMs: number; rttMs: number }>;
  /** Leave summary.json out (a run cut short). */
  noSummary?: boolean;
}

/** A small deterministic PRNG (mulberry32), so that generated latencies are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` latencies around `medianUs` with a long tail. */
export function latencies(rand: () => number, n: number, medianUs: number): number[] {
  return Array.from({ length: n }, () => Math.max(1, Math.round(medianUs * Math.exp((rand() - 0.5) * 1.5) * (rand() < 0.02 ? 8 : 1))));
}

export async function writeSyntheticRun(dir: string, run: SynthRun): Promise<void> {
  const writer = new ResultsWriter(dir, run.baseTimeMs);
  const agentIds = [...new Set(run.phases.flatMap((p) => p.agents.map((a) => a.id)))].sort();
  const seqs = new Map<string, number>();
  for (const p of run.phases) {
    const start = run.baseTimeMs + p.startOffsetMs;
    for (const a of p.agents) {
      a.intervals.forEach((iv, k) => {
        const seq = seqs.get(a.id) ?? 0;
        seqs.set(a.id, seq + 1);
        const ops = Object.entries(iv.ops).map(([op, o]) => {
          const h = newAgentHistogram();
          for (const v of o.values) recordUs(h, v);
          return { op, count: o.values.length, errors: o.errors ?? {}, histogram: encodeHistogram(h) };
        });
        const report: IntervalReport = { runId: run.runId, agentId: a.id, seq, phase: p.name, intervalStartMs: start + k * 1000, intervalMs: 1000, ops, cpuUs: iv.cpuUs ?? 1000, lateStarts: iv.lateStarts ?? 0, ...(iv.warmup ? { warmup: true } : {}) } as IntervalReport;
        writer.appendInterval(report);
      });
    }
  }
  const manifest = {
    runId: run.runId,
    createdAt: new Date(run.baseTimeMs).toISOString(),
    tool: { name: 'etcdlab', version: 'test' },
    invocation: { command: 'synthetic' },
    cluster: { provider: 'local', members: run.members ?? 3, endpoints: ['http://127.0.0.1:1'], etcdVersion: '3.4.23' },
    workload: { name: 'synthetic', source: 'test', quick: false, phases: run.phases.map((p) => ({ name: p.name, clients: p.agents.reduce((x, a) => x + (a.clients ?? 1), 0), ...p.spec })), ...(run.rules ? { rules: run.rules } : {}) },
    intervalMs: 1000,
    agents: agentIds.map((id) => ({ agentId: id, host: 'test-host', pid: 1, clock: run.agentClock?.[id] ?? { offsetMs: 0.1, rttMs: 0.4 } })),
    ...run.manifestExtra,
  };
  writer.writeJson('manifest.json', manifest);
  if (!run.noSummary) {
    const summary = {
      schemaVersion: 1,
      runId: run.runId,
      status: run.status ?? 'completed',
      finishedAt: new Date(run.baseTimeMs + 60_000).toISOString(),
      phases: run.phases.map((p) => ({
        name: p.name,
        startedAtMs: run.baseTimeMs + p.startOffsetMs,
        durationMs: p.durationMs,
        agents: p.agents.map((a) => ({ agentId: a.id, clients: a.clients ?? 1, count: 0, errors: 0, startSkewMs: a.startSkewMs ?? 0.5, elapsedMs: p.durationMs, cpuCores: 0, endedBy: a.endedBy ?? 'total' })),
      })),
      integrity: { ok: true, mismatches: [] },
      warnings: run.warnings ?? [],
    };
    // An old (manifest schema 1) folder's summary.json: written as such folders had it, not by the writer.
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }
  await writer.close();
  if (run.metrics?.length) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'metrics'), { recursive: true });
    const by = new Map<string, MetricsSample[]>();
    for (const s of run.metrics) by.set(s.member, [...(by.get(s.member) ?? []), s]);
    for (const [m, list] of by) writeFileSync(join(dir, 'metrics', `${m}.jsonl`), list.map((s) => JSON.stringify(s)).join('\n') + '\n');
  }
}

/** One etcd scrape with the given cumulative fsync buckets (ms bounds as etcd's 1, 2, 4 ... 8192 ms). */
export function fsyncSample(member: string, t: number, cumulative: number[], extra: { leaderChanges?: number; hasLeader?: number; commit?: number[]; cpu?: number } = {}): MetricsSample {
  const les = ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '0.128', '0.256', '0.512', '1.024', '2.048', '4.096', '8.192', '+Inf'];
  const buckets = (c: number[]) => les.map((le, i) => [le, c[Math.min(i, c.length - 1)] as number] as [string, number]);
  return {
    t,
    member,
    ok: true,
    metrics: {
      etcd_disk_wal_fsync_duration_seconds: [{ buckets: buckets(cumulative), count: cumulative[cumulative.length - 1] ?? 0 }],
      etcd_disk_backend_commit_duration_seconds: [{ buckets: buckets(extra.commit ?? cumulative) }],
      etcd_server_leader_changes_seen_total: [{ value: extra.leaderChanges ?? 1 }],
      etcd_server_has_leader: [{ value: extra.hasLeader ?? 1 }],
      etcd_server_proposals_failed_total: [{ value: 0 }],
      etcd_server_proposals_pending: [{ value: 0 }],
      etcd_mvcc_db_total_size_in_bytes: [{ value: 20480 }],
      process_cpu_seconds_total: [{ value: extra.cpu ?? 0 }],
    },
  };
}

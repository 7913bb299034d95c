import { z } from 'zod';
import type { HostCheck, HostSample, RawAgent, RawPhase } from './types.js';

/**
 * Tolerant readers for the JSON files of a results folder (pure). Only the fields the report uses are
 * checked; anything else is kept as written, so that a newer run's extra fields never stop a report.
 */

const num = z.number();
const str = z.string();

export { manifestSchema, type ManifestView } from '@etcdlab/common';
import type { AvailabilityRecord, DurabilityRecord, FaultRecord, ManifestView } from '@etcdlab/common';

/** summary.json of folders written before the manifest carried the phases (manifest schema 1). */
export const summarySchema = z.looseObject({
  status: str.optional(),
  finishedAt: str.optional(),
  phases: z
    .array(
      z.looseObject({
        name: str,
        startedAtMs: num,
        durationMs: num,
        agents: z.array(z.looseObject({ agentId: str, clients: num.default(0), startSkewMs: num.default(0), elapsedMs: num.default(0), endedBy: str.default('?') })).default([]),
      }),
    )
    .default([]),
  integrity: z.object({ ok: z.boolean(), mismatches: z.array(z.object({ agentId: str, phase: str, op: str, detail: str })) }).default({ ok: true, mismatches: [] }),
  warnings: z.array(str).default([]),
});
export type SummaryView = z.infer<typeof summarySchema>;

export const intervalLineSchema = z.looseObject({
  agentId: str,
  seq: num.int(),
  phase: str,
  intervalStartMs: num.min(0).max(8.64e15),
  intervalMs: num.int().min(1).max(3_600_000),
  cpuUs: num.min(0).default(0),
  lateStarts: num.int().min(0).default(0),
  droppedStarts: num.int().min(0).optional(),
  errorEndpoints: z.record(str, num.int().min(0)).optional(),
  warmup: z.boolean().optional(),
  writes: num.int().min(0).optional(),
  instance: str.optional(),
  checkpointAtMs: num.optional(),
  ops: z.array(z.looseObject({ op: str, count: num.int().min(0), errors: z.record(str, num.int().min(0)).default({}) })),
});

export const hostSampleSchema = z.looseObject({
  t: num,
  host: str,
  cpuPct: num.optional(),
  stealPct: num.optional(),
  iowaitPct: num.optional(),
  load1: num.optional(),
  top: z.array(z.looseObject({ name: str, pid: num.optional(), cpuPct: num, foreign: z.boolean().optional() })).optional(),
});

export function agentsOf(m: ManifestView): RawAgent[] {
  return m.agents.map((a) => ({ agentId: a.agentId, ...(a.host ? { host: a.host } : {}), ...(a.pid !== undefined ? { pid: a.pid } : {}), ...(a.clock ? { clock: { offsetMs: a.clock.offsetMs, rttMs: a.clock.rttMs } } : {}) }));
}

/** Phase timing and outcomes: the manifest's record (schema 2), else an old folder's summary.json. */
export function phasesOf(m: ManifestView, s: SummaryView | undefined): RawPhase[] | undefined {
  if (m.phases)
    return m.phases.map((p) => ({
      name: p.name,
      startedAtMs: p.startedAtMs,
      durationMs: p.durationMs,
      outcome: p.outcome,
      reasons: p.reasons,
      agents: p.agents.map((a) => ({ agentId: a.agentId, clients: a.clients, startSkewMs: a.startSkewMs, elapsedMs: a.elapsedMs, endedBy: a.endedBy })),
      ...(p.absent ? { absent: p.absent } : {}),
      ...(p.restarts ? { restarts: p.restarts.map((r) => ({ agentId: r.agentId, lostAtMs: r.lostAtMs, ...(r.awayAtMs !== undefined ? { awayAtMs: r.awayAtMs } : {}), backAtMs: r.backAtMs, rejoined: r.rejoined })) } : {}),
      ...(p.witness ? { witness: { fromRevision: p.witness.fromRevision, toRevision: p.witness.toRevision } } : {}),
      ...(p.faults ? { faults: p.faults as FaultRecord[] } : {}),
      ...(p.availability ? { availability: p.availability as AvailabilityRecord } : {}),
      ...(p.durability ? { durability: p.durability as DurabilityRecord } : {}),
    }));
  return s?.phases.map((p) => ({ name: p.name, startedAtMs: p.startedAtMs, durationMs: p.durationMs, agents: p.agents.map((a) => ({ agentId: a.agentId, clients: a.clients, startSkewMs: a.startSkewMs, elapsedMs: a.elapsedMs, endedBy: a.endedBy })) }));
}

export function toHostSample(v: z.infer<typeof hostSampleSchema>): HostSample {
  const out: HostSample = { t: v.t, host: v.host };
  if (v.cpuPct !== undefined) out.cpuPct = v.cpuPct;
  if (v.stealPct !== undefined) out.stealPct = v.stealPct;
  if (v.iowaitPct !== undefined) out.iowaitPct = v.iowaitPct;
  if (v.load1 !== undefined) out.load1 = v.load1;
  if (v.top) out.top = v.top.map((p) => ({ name: p.name, cpuPct: p.cpuPct, ...(p.pid !== undefined ? { pid: p.pid } : {}), ...(p.foreign !== undefined ? { foreign: p.foreign } : {}) }));
  return out;
}

// ---- host checks: written to the manifest by `hosts check` (SSH provider); read loosely -------------------

type Loose = Record<string, unknown>;
const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const firstNum = (o: Loose, keys: string[]): number | undefined => {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
    if (isObj(v)) {
      const inner = firstNum(v, ['pct', 'percent', 'value', 'load1', '1m']);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
};
const firstStr = (o: Loose, keys: string[]): string | undefined => {
  for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
  return undefined;
};

function toHostCheck(o: Loose, fallbackName?: string): HostCheck | undefined {
  const host = firstStr(o, ['host', 'name', 'address', 'hostname']) ?? fallbackName;
  if (!host) return undefined;
  const procs = ['topForeign', 'foreignProcesses', 'topForeignProcesses', 'topProcesses', 'processes'].map((k) => o[k]).find(Array.isArray) as unknown[] | undefined;
  const topForeign = (procs ?? [])
    .filter(isObj)
    .filter((p) => p.foreign !== false)
    .map((p) => ({ name: firstStr(p, ['name', 'command', 'comm', 'cmd']) ?? '?', cpuPct: firstNum(p, ['cpuPct', 'cpu', 'pcpu', 'cpuPercent']) ?? 0 }));
  const problems = ['problems', 'warnings', 'findings', 'reasons'].flatMap((k) => (Array.isArray(o[k]) ? (o[k] as unknown[]) : [])).map((p) => (typeof p === 'string' ? p : isObj(p) ? (firstStr(p, ['message', 'text', 'detail']) ?? JSON.stringify(p)) : String(p)));
  if (o.reachable === false) problems.unshift('unreachable');
  const err = typeof o.error === 'string' ? o.error : isObj(o.error) ? firstStr(o.error, ['message']) : undefined;
  if (err) problems.push(err);
  const check: HostCheck = { host, topForeign, problems };
  const role = firstStr(o, ['role']);
  if (role) check.role = role;
  const steal = firstNum(o, ['stealPct', 'steal', 'cpuStealPct', 'cpuSteal']) ?? (isObj(o.cpu) ? firstNum(o.cpu, ['stealPct', 'steal']) : undefined);
  if (steal !== undefined) check.stealPct = steal;
  const load = firstNum(o, ['load1', 'loadAvg1m', 'load', 'loadavg', 'loadAverage']);
  if (load !== undefined) check.load1 = load;
  const cpus = firstNum(o, ['cpus', 'cores', 'nproc']);
  if (cpus !== undefined) check.cpus = cpus;
  return check;
}

/**
 * Host checks from the manifest: `hostChecks` (what `run -i` records: `{ source, hosts: [...] }`),
 * `hostsCheck` or `hosts.check` (an `etcdlab hosts check --json` report), as a list or keyed by host.
 */
export function hostChecksOf(manifest: Loose): HostCheck[] {
  const hosts = isObj(manifest.hosts) ? manifest.hosts : undefined;
  const byHost = new Map<string, HostCheck>();
  for (const raw of [manifest.hostChecks, manifest.hostsCheck, hosts?.check]) {
    const container = isObj(raw) && Array.isArray(raw.hosts) ? raw.hosts : raw;
    const list = Array.isArray(container)
      ? container.filter(isObj).map((o) => toHostCheck(o))
      : isObj(container)
        ? Object.entries(container).filter(([, v]) => isObj(v)).map(([k, v]) => toHostCheck(v as Loose, k))
        : [];
    for (const c of list) {
      if (!c) continue;
      const prev = byHost.get(c.host);
      // The same host in two records (the run's probe and a hosts check): what either knows.
      byHost.set(c.host, prev ? { ...prev, ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)), topForeign: [...prev.topForeign, ...c.topForeign], problems: [...prev.problems, ...c.problems] } : c);
    }
  }
  return [...byHost.values()];
}

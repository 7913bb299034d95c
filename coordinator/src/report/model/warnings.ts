import type { RawRun } from '../raw/types.js';
import type { EtcdWindow, HostHealth, ReportPhase, TrustWarning } from './types.js';

/** Bounds past which a figure makes the results doubtful (docs/reports.md). */
export const TRUST_BOUNDS = {
  /** An agent above this share of one core may have been the limit, not etcd (same bound as the run's). */
  agentCpuCores: 0.9,
  /** How late an agent may start a phase, and how uncertain its clock offset may be (half the sync round trip). */
  clockSkewMs: 10,
} as const;

/**
 * Reasons not to trust a result as it stands: a CPU-bound or lost agent, clock skew past the bound, a
 * host with steal or a noisy neighbour, an integrity mismatch, a run cut short, an etcd member whose
 * metrics could not be read. Recomputed from the folder; the run's own notes are kept when they say more.
 */
export function trustWarnings(raw: RawRun, phases: readonly ReportPhase[], etcdRun: readonly EtcdWindow[], hosts: readonly HostHealth[]): TrustWarning[] {
  const out: TrustWarning[] = [];
  const b = TRUST_BOUNDS;
  if (raw.status === 'aborted') out.push({ kind: 'run-incomplete', message: 'the run was interrupted: only the phases measured until then are shown' });
  if (raw.status === 'failed') out.push({ kind: 'run-incomplete', message: raw.error ? `the run failed (${raw.error.code}: ${raw.error.message}): only the phases measured until then are shown` : 'the run failed: a phase measured nothing (every agent with clients failed it or was lost)' });
  if (!raw.integrity.ok) for (const m of raw.integrity.mismatches) out.push({ kind: 'integrity', message: `agent ${m.agentId}, phase ${m.phase}, op ${m.op}: ${m.detail}; these results must not be trusted` });

  for (const p of phases) {
    if (p.outcome !== 'completed' && p.outcome !== 'interrupted') out.push({ kind: 'phase-incomplete', message: `phase ${p.name} ${p.outcome}: ${p.reasons.join('; ') || 'no reason recorded'}; its figures are partial` });
    for (const problem of p.openLoop?.problems ?? []) out.push({ kind: 'rate-not-reached', message: `phase ${p.name}: ${problem}` });
    const w = p.witness;
    if (w && w.status !== 'equal') out.push({ kind: 'witness', message: `phase ${p.name}: ${w.statement}: ${w.causes.join('; ')}` });
  }
  for (const p of raw.phases)
    for (const r of p.restarts ?? [])
      out.push({ kind: 'agent-restarted', message: `agent ${r.agentId} restarted during phase ${p.name} at +${((r.lostAtMs - p.startedAtMs) / 1000).toFixed(1)} s, back after ${((r.backAtMs - r.lostAtMs) / 1000).toFixed(1)} s${r.rejoined ? ', and rejoined it' : '; it could not rejoin (its share ended there)'}` });
  for (const p of phases)
    for (const a of p.agents) {
      // Over less than one interval the CPU figure is mostly the interval's edges (a phase cut short).
      if (a.cpuCores > b.agentCpuCores && p.durationMs >= raw.intervalMs) out.push({ kind: 'agent-cpu-bound', message: `agent ${a.agentId} used ${a.cpuCores.toFixed(2)} CPU cores in phase ${p.name}: the load generator, not etcd, may have limited throughput` });
      if (a.endedBy === 'lost') out.push({ kind: 'agent-lost', message: `agent ${a.agentId} was lost during phase ${p.name}${lastReport(raw, p, a.agentId)}; its results up to then are kept` });
      if (Math.abs(a.startSkewMs) > b.clockSkewMs) out.push({ kind: 'clock-skew', message: `agent ${a.agentId} started phase ${p.name} ${a.startSkewMs.toFixed(1)} ms off the synchronized start (bound ${b.clockSkewMs} ms)` });
    }
  for (const a of raw.agents)
    if (a.clock && a.clock.rttMs / 2 > b.clockSkewMs) out.push({ kind: 'clock-skew', message: `agent ${a.agentId}'s clock offset is known only to ±${(a.clock.rttMs / 2).toFixed(1)} ms (bound ${b.clockSkewMs} ms)` });

  for (const h of hosts)
    for (const f of h.flags) if (f.level === 'bad') out.push({ kind: f.metric === 'steal' ? 'host-steal' : 'noisy-neighbour', message: f.message });
  const planned = plannedOutages(raw);
  for (const w of etcdRun) {
    if (w.failedScrapes === 0) continue;
    // A member killed, stopped, paused or cut off on purpose cannot answer its scrapes: that is the
    // fault, not a reason to doubt the results. Only the failures outside such a window are warned of.
    const unplanned = Math.min(w.failedScrapes, raw.metrics.filter((s) => s.member === w.member && !s.ok && !planned.some((o) => o.member === w.member && s.t >= o.fromMs && s.t <= o.toMs)).length);
    if (unplanned > 0) out.push({ kind: 'etcd-unreachable', message: `${w.member}: ${unplanned} scrape(s) of /metrics failed${unplanned < w.failedScrapes ? ` outside its fault windows (${w.failedScrapes - unplanned} more inside them, as expected)` : ''}: the member may have been unreachable` });
  }

  // The run's own notes: CPU and loss are recomputed above; what only the run knew (agent faults) is kept.
  for (const w of raw.runWarnings) {
    if (/CPU cores in phase/.test(w) || /^agent \S+ (was lost|restarted)/.test(w)) continue;
    out.push({ kind: w.startsWith('results folder:') ? 'results-folder' : 'agent-fault', message: w });
  }
  return out;
}

/** When a lost agent was last heard of: the end of its last interval in the phase, from the phase start. */
function lastReport(raw: RawRun, p: ReportPhase, agentId: string): string {
  let end = -Infinity;
  for (const i of raw.intervals) if (i.agentId === agentId && i.phase === p.name) end = Math.max(end, i.checkpointAtMs ?? i.startMs + i.lengthMs);
  return Number.isFinite(end) ? ` (last heard of at +${((end - p.startedAtMs) / 1000).toFixed(1)} s)` : ' (it reported nothing)';
}

/** How long after a fault's undo a member may still miss scrapes: a killed member restarts and replays its WAL. */
export const OUTAGE_TAIL_MS = 10_000;

/** Each member's fault windows that take it off the network (kill, stop, pause, partition), with the tail. */
function plannedOutages(raw: RawRun): { member: string; fromMs: number; toMs: number }[] {
  const offline = new Set(['kill', 'stop', 'pause', 'partition']);
  return raw.phases.flatMap((p) => (p.faults ?? []).filter((f) => offline.has(f.action)).flatMap((f) => f.members.map((member) => ({ member, fromMs: f.fromMs, toMs: f.toMs + OUTAGE_TAIL_MS }))));
}

import { cpuCoresOf, isObservation, openLoopCheck, RateSchedule } from '@etcdlab/common';
import type { RawInterval, RawPhase, RawRun } from '../raw/types.js';
import { decodeInterval, latencyStats, OpAccumulator, opStats, percentileDistribution } from './hist.js';
import type { AgentStats, ErrorPoint, MemberErrorPoint, ReportPhase, TimelinePoint } from './types.js';
import { phaseFaults } from './faults.js';
import { witnessOf } from './witness.js';

interface SpecView {
  clients?: number;
  rate?: number;
  rateStages?: { target: number; durationMs: number }[];
  durationMs?: number;
  total?: number;
  /** The mix has lease ops (the witness: a revoke or an expiry deletes keys in a revision no agent counts). */
  leases?: boolean;
}

/** The phase as the workload defined it (manifest), for clients and the open-loop rate. */
function specOf(raw: RawRun, name: string): SpecView {
  const spec = raw.workload.phases.find((p) => p.name === name);
  const out: SpecView = {};
  if (typeof spec?.clients === 'number') out.clients = spec.clients;
  if (typeof spec?.rate === 'number') out.rate = spec.rate;
  if (Array.isArray(spec?.rateStages)) out.rateStages = spec.rateStages as SpecView['rateStages'];
  if (typeof spec?.durationMs === 'number') out.durationMs = spec.durationMs;
  if (typeof spec?.total === 'number') out.total = spec.total;
  if (Array.isArray(spec?.mix)) out.leases = spec.mix.some((m: unknown) => typeof (m as { op?: unknown })?.op === 'string' && /lease/.test((m as { op: string }).op));
  return out;
}

/** `coveredSec`: the part of the interval inside the phase (the last one is usually cut short). */
function timelinePoint(offsetSec: number, acc: OpAccumulator, coveredSec: number): TimelinePoint {
  const l = latencyStats(acc.histogram);
  const s = acc.service && acc.service.totalCount > 0 ? latencyStats(acc.service) : undefined;
  return {
    offsetSec, count: acc.count, errors: acc.errors, opsPerSec: coveredSec > 0 ? acc.count / coveredSec : 0, p50Us: l.p50, p90Us: l.p90, p99Us: l.p99, p999Us: l.p999, maxUs: l.max,
    ...(s ? { service: { p50Us: s.p50, p90Us: s.p90, p99Us: s.p99, p999Us: s.p999, maxUs: s.max } } : {}),
  };
}

const getOr = <K, V>(m: Map<K, V>, k: K, make: () => V): V => {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
};

/**
 * One phase's figures from its raw intervals: totals per op and for all ops, a timeline per interval
 * (merged over agents, keyed by the interval's position from the phase start, never by arrival), the
 * percentile distribution, errors by op and code over time, and a per-agent breakdown.
 */
export function buildPhase(raw: RawRun, phase: RawPhase, intervals: readonly RawInterval[]): Omit<ReportPhase, 'etcd'> {
  const intervalSec = raw.intervalMs / 1000;
  const seconds = phase.durationMs / 1000;
  const totals = new Map<string, OpAccumulator>();
  const perAgent = new Map<string, OpAccumulator>();
  const cpuUs = new Map<string, number>();
  const timeline: Record<string, TimelinePoint[]> = { all: [] };
  const errorsOverTime: ErrorPoint[] = [];
  const memberErrors: MemberErrorPoint[] = [];
  const memberOf = memberNames(raw);
  let lateStarts = 0;
  let droppedStarts = 0;
  let agentWrites = 0;
  const writesById = new Map<string, number>();

  // Intervals arrive sorted by start; those with the same position form one merged interval.
  const slotOf = (i: RawInterval) => Math.round((i.startMs - phase.startedAtMs) / raw.intervalMs);
  let k = 0;
  while (k < intervals.length) {
    const slot = slotOf(intervals[k] as RawInterval);
    const ops = new Map<string, OpAccumulator>();
    const slotMembers = new Map<string, number>();
    const all = new OpAccumulator();
    let warmup = false;
    for (; k < intervals.length && slotOf(intervals[k] as RawInterval) === slot; k++) {
      const i = intervals[k] as RawInterval;
      // Warm-up intervals show on the timeline only: they are not part of the phase's results.
      warmup ||= i.warmup === true;
      // The witness counts every write of the phase, the warm-up's too: etcd's revision does.
      agentWrites += i.writes ?? 0;
      writesById.set(i.agentId, (writesById.get(i.agentId) ?? 0) + (i.writes ?? 0));
      if (!i.warmup) {
        for (const [endpoint, count] of Object.entries(i.errorEndpoints ?? {})) if (count > 0) {
          const member = memberOf(endpoint);
          slotMembers.set(member, (slotMembers.get(member) ?? 0) + count);
        }
        lateStarts += i.lateStarts;
        droppedStarts += i.droppedStarts ?? 0;
        cpuUs.set(i.agentId, (cpuUs.get(i.agentId) ?? 0) + i.cpuUs);
      }
      const agentAcc = i.warmup ? undefined : getOr(perAgent, i.agentId, () => new OpAccumulator());
      for (const op of i.ops) {
        const decoded = op.count > 0 ? decodeInterval(op.histogram) : undefined;
        const service = op.count > 0 && op.serviceHistogram ? decodeInterval(op.serviceHistogram) : undefined;
        getOr(ops, op.op, () => new OpAccumulator()).add(decoded, op.count, op.errors, service);
        // Watch events are observations, not requests: never in `all`, throughput or an agent's count.
        const request = !isObservation(op.op);
        if (request) all.add(decoded, op.count, op.errors, service);
        if (i.warmup) continue;
        getOr(totals, op.op, () => new OpAccumulator()).add(decoded, op.count, op.errors, service);
        if (request) agentAcc?.add(decoded, op.count, op.errors);
      }
    }
    const offsetSec = (slot * raw.intervalMs) / 1000;
    for (const [member, count] of [...slotMembers].sort(([a], [b]) => a.localeCompare(b))) memberErrors.push({ offsetSec, member, count });
    const covered = Math.min(intervalSec, Math.max(0, seconds - offsetSec)) || intervalSec;
    const point = (acc: OpAccumulator) => ({ ...timelinePoint(offsetSec, acc, covered), ...(warmup ? { warmup: true as const } : {}) });
    timeline.all?.push(point(all));
    for (const [op, acc] of [...ops].sort(([a], [b]) => a.localeCompare(b))) {
      (timeline[op] ??= []).push(point(acc));
      for (const [code, count] of Object.entries(acc.errorsByCode).sort(([a], [b]) => a.localeCompare(b))) if (count > 0) errorsOverTime.push({ offsetSec, op, code, count, ...(warmup ? { warmup: true as const } : {}) });
    }
  }

  const allTotal = new OpAccumulator();
  const opsOut: ReportPhase['ops'] = {};
  const percentiles: ReportPhase['percentiles'] = {};
  for (const [op, acc] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
    opsOut[op] = opStats(acc, seconds);
    percentiles[op] = percentileDistribution(acc.histogram);
    if (!isObservation(op)) allTotal.addAcc(acc);
  }
  percentiles.all = percentileDistribution(allTotal.histogram);

  // Every agent the run planned for the phase, plus any that reported without being planned.
  const agentIds = [...new Set([...phase.agents.map((a) => a.agentId), ...perAgent.keys()])].sort();
  const agents: AgentStats[] = agentIds.map((agentId) => {
    const acc = perAgent.get(agentId) ?? new OpAccumulator();
    const timing = phase.agents.find((a) => a.agentId === agentId);
    const host = raw.agents.find((a) => a.agentId === agentId)?.host;
    const l = latencyStats(acc.histogram);
    return {
      agentId,
      ...(host ? { host } : {}),
      clients: timing?.clients ?? 0,
      count: acc.count,
      errors: acc.errors,
      opsPerSec: seconds > 0 ? acc.count / seconds : 0,
      p50Us: l.p50,
      p99Us: l.p99,
      cpuCores: cpuCoresOf(cpuUs.get(agentId) ?? 0, phase.durationMs),
      startSkewMs: timing?.startSkewMs ?? 0,
      endedBy: timing?.endedBy ?? 'unknown',
    };
  });

  const spec = specOf(raw, phase.name);
  const allStats = opStats(allTotal, seconds);
  const events = eventsOf(totals, seconds);
  const openLoop =
    spec.rate !== undefined
      ? openLoopCheck({
          requestedOps: spec.durationMs !== undefined ? new RateSchedule(spec.rate, spec.rateStages ?? []).opsBy(spec.durationMs) : (spec.total ?? 0),
          plannedDurationMs: spec.durationMs ?? (spec.total !== undefined && spec.rate > 0 ? (spec.total / spec.rate) * 1000 : 0),
          startedOps: allStats.count + allStats.errors,
          durationMs: phase.durationMs,
          lateStarts,
          droppedStarts,
        })
      : undefined;
  const witness = witnessOf({
    phase,
    agentWrites,
    agentWritesById: writesById,
    errorsByOp: new Map(Object.entries(opsOut).map(([op, st]) => [op, st.errors])),
    shared: raw.cluster.provider === 'external',
    leases: spec.leases === true,
    intervals: raw.intervals,
  });
  const faults = phaseFaults(phase, timeline.all ?? [], errorsOverTime, intervalSec, memberErrors);
  return {
    name: phase.name,
    startedAtMs: phase.startedAtMs,
    durationMs: phase.durationMs,
    ...(witness ? { witness } : {}),
    ...(spec.clients !== undefined ? { clients: spec.clients } : {}),
    ...(spec.rate !== undefined ? { rateOpsPerSec: spec.rate } : {}),
    lateStarts,
    droppedStarts,
    outcome: phase.outcome ?? 'completed',
    reasons: phase.reasons ?? [],
    ops: opsOut,
    all: allStats,
    ...(events ? { events } : {}),
    ...(openLoop ? { openLoop } : {}),
    timeline,
    percentiles,
    errorsOverTime,
    ...(faults ? { faults } : {}),
    agents,
  };
}

/** Watch events of the phase (put-to-event latency), apart from its requests; undefined without watchers. */
function eventsOf(totals: ReadonlyMap<string, OpAccumulator>, seconds: number): ReportPhase['events'] {
  const timed = totals.get('watch-event');
  const untimed = totals.get('watch-event-untimed');
  if (!timed && !untimed) return undefined;
  const count = (timed?.count ?? 0) + (untimed?.count ?? 0);
  return { count, perSec: seconds > 0 ? count / seconds : 0, timed: timed?.count ?? 0, ...(timed ? { latencyUs: latencyStats(timed.histogram) } : {}) };
}

/**
 * Member names by the endpoint agents dialled, from the cluster record: its `endpoints` line up with its
 * `memberDetails` (a local run with link faults dials each member through its client proxy), and a
 * member's own client URL names it too. An endpoint of no member is named by itself.
 */
function memberNames(raw: RawRun): (endpoint: string) => string {
  const byOrigin = new Map<string, string>();
  const origin = (u: unknown): string | undefined => {
    try {
      return typeof u === 'string' ? new URL(u).origin : undefined;
    } catch {
      return undefined;
    }
  };
  const details = (Array.isArray(raw.cluster.memberDetails) ? (raw.cluster.memberDetails as unknown[]) : []).map((d) => d as { name?: unknown; clientUrl?: unknown });
  const aligned = raw.cluster.endpoints.length === details.length;
  details.forEach((m, i) => {
    if (typeof m.name !== 'string') return;
    const own = origin(m.clientUrl);
    const dialled = aligned ? origin(raw.cluster.endpoints[i]) : undefined;
    if (own) byOrigin.set(own, m.name);
    if (dialled) byOrigin.set(dialled, m.name);
  });
  const seen = new Map<string, string>();
  return (endpoint) => {
    let name = seen.get(endpoint);
    if (name !== undefined) return name;
    name = byOrigin.get(origin(endpoint) ?? endpoint) ?? endpoint;
    seen.set(endpoint, name);
    return name;
  };
}

/**
 * A fault phase's figures as every output shows them (pure, docs/faults.md): each window with the gap,
 * the errors and the p99's recovery that go with it, and the durability check in one line.
 */
import { type FaultRecord, type FaultWindowSummary, LASTING_ACTIONS, type PhaseFaultSummary } from '@etcdlab/common';
import type { RawPhase } from '../raw/types.js';
import type { ErrorPoint, MemberErrorPoint, TimelinePoint } from './types.js';

/** What clients feel of a fault is looked for until this long after it ends (elections, reconnects, catch-up). */
export const RECOVERY_SPAN_MS = 5000;
/** The p99 is back once an interval's p99 is within this factor of the median p99 before the fault. */
export const RECOVERY_FACTOR = 1.5;

const sec = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const n = (v: number): string => v.toLocaleString('en-US');

type Gap = readonly [number, number];
/** A gap starts at the last success before it: up to this long before the fault that caused it. */
export const GAP_LEAD_MS = 1000;

/** What a fault may claim of what clients felt: from its start until its recovery span ends. */
export interface FaultClaim {
  fromMs: number;
  spanTo: number;
}

/**
 * The one fault that owns a stretch [from, to) of what clients felt (a gap, an error interval), or -1.
 * First the latest fault begun before `from + lead` (a gap starts at the last success before its fault;
 * an interval holds what happened up to its end), if the stretch starts within that fault's span; else
 * the first later fault the stretch runs into (its effect began early, or the stretch straddles its
 * start). One owner per stretch, so nothing is counted for two faults and nothing is dropped between them.
 */
export function ownerOf(from: number, to: number, lead: number, claims: readonly FaultClaim[]): number {
  let k = -1;
  claims.forEach((c, i) => {
    if (c.fromMs < from + lead && (k < 0 || c.fromMs >= (claims[k] as FaultClaim).fromMs)) k = i;
  });
  if (k >= 0 && from < (claims[k] as FaultClaim).spanTo) return k;
  let j = -1;
  claims.forEach((c, i) => {
    if (c.fromMs >= from + lead && to > c.fromMs && (j < 0 || c.fromMs < (claims[j] as FaultClaim).fromMs)) j = i;
  });
  return j;
}

/** The longest gap window `i` owns: 0 when it owns none, undefined when that class was not measured. */
function longestOwned(gaps: readonly Gap[] | undefined, claims: readonly FaultClaim[], i: number): number | undefined {
  if (!gaps) return undefined;
  const hits = gaps.filter(([a, b]) => ownerOf(a, b, GAP_LEAD_MS, claims) === i).map(([a, b]) => b - a);
  return hits.length ? Math.round(Math.max(...hits)) : 0;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export function phaseFaults(phase: RawPhase, timeline: readonly TimelinePoint[], errors: readonly ErrorPoint[], intervalSec = 1, memberErrors: readonly MemberErrorPoint[] = []): PhaseFaultSummary | undefined {
  if (!phase.faults && !phase.availability && !phase.durability) return undefined;
  const measured = timeline.filter((t) => !t.warmup);
  const faults = phase.faults ?? [];
  const starts = faults.map((f) => f.fromMs);
  // The recovery span ends where the next fault begins: what that one causes is its own, not this one's.
  const claims = faults.map((f): FaultClaim => ({ fromMs: f.fromMs, spanTo: Math.min(f.toMs + RECOVERY_SPAN_MS, ...starts.filter((s) => s > f.fromMs)) }));
  // Each error interval counts for one fault only (the same rule as the gaps): never twice at a boundary.
  const intervalMs = intervalSec * 1000;
  const ownerAt = (offsetSec: number) => ownerOf(phase.startedAtMs + offsetSec * 1000, phase.startedAtMs + offsetSec * 1000 + intervalMs, intervalMs, claims);
  const errorOwner = errors.map((e) => (e.warmup ? -1 : ownerAt(e.offsetSec)));
  const memberOwner = memberErrors.map((e) => ownerAt(e.offsetSec));
  const windows = faults.map((f, i): FaultWindowSummary => {
    const fromSec = (f.fromMs - phase.startedAtMs) / 1000;
    const toSec = (f.toMs - phase.startedAtMs) / 1000;
    const writeGapMs = longestOwned(phase.availability?.write?.gaps, claims, i);
    const readGapMs = longestOwned(phase.availability?.read?.gaps, claims, i);
    const errs: Record<string, number> = {};
    errors.forEach((e, k) => {
      if (errorOwner[k] === i) errs[e.code] = (errs[e.code] ?? 0) + e.count;
    });
    const byMember: Record<string, number> = {};
    memberErrors.forEach((e, k) => {
      if (memberOwner[k] === i) byMember[e.member] = (byMember[e.member] ?? 0) + e.count;
    });
    const before = median(measured.filter((t) => t.offsetSec + intervalSec <= fromSec && t.count > 0).map((t) => t.p99Us));
    const back = before === undefined ? undefined : measured.find((t) => t.offsetSec + intervalSec > toSec && t.count > 0 && t.p99Us <= before * RECOVERY_FACTOR);
    const p99RecoverySec = back ? Math.max(0, back.offsetSec + intervalSec - toSec) : undefined;
    const w: Omit<FaultWindowSummary, 'statement'> = {
      ...f,
      fromSec,
      toSec,
      ...(writeGapMs !== undefined ? { writeGapMs } : {}),
      ...(readGapMs !== undefined ? { readGapMs } : {}),
      errors: errs,
      ...(Object.keys(byMember).length ? { errorsByMember: byMember } : {}),
      ...(p99RecoverySec !== undefined ? { p99RecoverySec: Math.round(p99RecoverySec * 10) / 10 } : {}),
    };
    return { ...w, statement: statementOf(w, before !== undefined) };
  });
  const d = phase.durability;
  return {
    windows,
    ...(phase.availability ? { availability: phase.availability } : {}),
    ...(d ? { durability: d, durabilityStatement: durabilityStatement(d) } : {}),
  };
}

const faultHead = (w: FaultRecord, fromSec: number): string => {
  const who = w.members.length ? ` (${w.members.join(', ')})` : '';
  const lasting = LASTING_ACTIONS.includes(w.action);
  return `${w.action} ${w.action === 'compact' ? 'the cluster' : w.target}${who} at +${fromSec.toFixed(1)} s${lasting ? ` for ${sec(w.toMs - w.fromMs)}` : `, ${sec(w.toMs - w.fromMs)}`}`;
};

/** What the cluster did (election, term, the member back), from the fault's own record. */
function clusterParts(w: FaultRecord): string[] {
  const parts: string[] = [];
  if (w.electionMs !== undefined) parts.push(`new leader ${w.leaderAfter ?? '?'} after ${sec(w.electionMs)}`);
  else if (w.leaderAfter !== undefined && w.leaderBefore !== undefined && w.leaderAfter !== w.leaderBefore) parts.push(`leader ${w.leaderBefore} → ${w.leaderAfter}`);
  if (w.termBefore !== undefined && w.termAfter !== undefined && w.termAfter > w.termBefore) parts.push(`raft term ${w.termBefore} → ${w.termAfter} (an election)`);
  if (w.backMs !== undefined) parts.push(`member answering ${sec(w.backMs)} after its start`);
  return parts;
}

/** A fault outside a run (`etcdlab fault`): what was done and what the cluster did; no client figures. */
export function drillStatement(rec: FaultRecord): string {
  const head = faultHead(rec, 0);
  if (rec.error) return `${head}: ${rec.error}`;
  const parts = clusterParts(rec);
  if (parts.length === 0) parts.push(rec.leaderBefore !== undefined && rec.leaderAfter === rec.leaderBefore ? `no leader change (leader ${rec.leaderBefore})` : 'done');
  return `${head}: ${parts.join('; ')}`;
}

function statementOf(w: Omit<FaultWindowSummary, 'statement'>, hadBaseline: boolean): string {
  const head = faultHead(w, w.fromSec);
  if (w.error) return `${head}: ${w.error}`;
  const parts = clusterParts(w);
  if (w.writeGapMs !== undefined) parts.push(w.writeGapMs > 0 ? `no write succeeded for ${sec(w.writeGapMs)}` : 'writes never stopped');
  if (w.readGapMs !== undefined) parts.push(w.readGapMs > 0 ? `no read succeeded for ${sec(w.readGapMs)}` : 'reads never stopped');
  const errs = Object.entries(w.errors).sort((a, b) => b[1] - a[1]);
  parts.push(errs.length ? `errors ${errs.map(([c, k]) => `${c} ${n(k)}`).join(', ')}` : 'no errors');
  const sent = Object.entries(w.errorsByMember ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (sent.length) parts.push(`failed requests were sent to ${sent.map(([m, k]) => `${m} (${n(k)})`).join(', ')}`);
  if (w.p99RecoverySec !== undefined) parts.push(`p99 back to its level ${w.p99RecoverySec.toFixed(1)} s after`);
  else if (hadBaseline) parts.push('p99 not back to its level before the phase ended');
  return `${head}: ${parts.join('; ')}`;
}

export function durabilityStatement(d: NonNullable<RawPhase['durability']>): string {
  const bad = d.lost + d.changed;
  const extra = [d.compacted ? `${n(d.compacted)} read at the current revision (theirs was compacted)` : '', d.unreadable ? `${n(d.unreadable)} could not be read` : ''].filter(Boolean).join(', ');
  const head = `${n(d.checked)} acknowledged put(s) read back`;
  if (bad === 0) return `${head}: none lost${extra ? ` (${extra})` : ''}`;
  return `${head}: ${n(d.lost)} LOST, ${n(d.changed)} with another value${extra ? `, ${extra}` : ''}; e.g. ${d.examples.slice(0, 3).map((e) => `${e.key} @${e.revision}: ${e.problem}`).join('; ')}`;
}

/** The durability problems of the run's phases: each one fails the verdict (E_DURABILITY_LOST). */
export function durabilityProblems(phases: readonly { name: string; faults?: PhaseFaultSummary }[]): string[] {
  return phases.flatMap((p) => {
    const d = p.faults?.durability;
    return d && d.lost + d.changed > 0 ? [`E_DURABILITY_LOST: phase ${p.name}: ${p.faults?.durabilityStatement}`] : [];
  });
}

export type { FaultRecord };

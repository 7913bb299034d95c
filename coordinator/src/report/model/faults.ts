/**
 * A fault phase's figures as every output shows them (pure, docs/faults.md): each window with the gap,
 * the errors and the p99's recovery that go with it, and the durability check in one line.
 */
import { type FaultRecord, type FaultWindowSummary, LASTING_ACTIONS, type PhaseFaultSummary } from '@etcdlab/common';
import type { RawPhase } from '../raw/types.js';
import type { ErrorPoint, TimelinePoint } from './types.js';

/** What clients feel of a fault is looked for until this long after it ends (elections, reconnects, catch-up). */
export const RECOVERY_SPAN_MS = 5000;
/** The p99 is back once an interval's p99 is within this factor of the median p99 before the fault. */
export const RECOVERY_FACTOR = 1.5;

const sec = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const n = (v: number): string => v.toLocaleString('en-US');

type Gap = readonly [number, number];
/** A gap starts at the last success before it: up to this long before the fault that caused it. */
export const GAP_LEAD_MS = 1000;

/**
 * The longest gap window `i` caused: each gap belongs to the latest fault that began before it started
 * (less GAP_LEAD_MS), and only while that fault's span lasts, so a gap is never counted for two faults.
 */
function longestOwned(gaps: readonly Gap[] | undefined, starts: readonly number[], i: number, spanTo: number): number | undefined {
  if (!gaps) return undefined;
  const owner = (at: number): number => starts.reduce((best, s, k) => (s - GAP_LEAD_MS <= at && (best < 0 || s >= (starts[best] as number)) ? k : best), -1);
  const hits = gaps.filter(([a, b]) => owner(a) === i && a < spanTo && b > (starts[i] as number) - GAP_LEAD_MS).map(([a, b]) => b - a);
  return hits.length ? Math.round(Math.max(...hits)) : 0;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export function phaseFaults(phase: RawPhase, timeline: readonly TimelinePoint[], errors: readonly ErrorPoint[]): PhaseFaultSummary | undefined {
  if (!phase.faults && !phase.availability && !phase.durability) return undefined;
  const measured = timeline.filter((t) => !t.warmup);
  const starts = (phase.faults ?? []).map((f) => f.fromMs);
  const windows = (phase.faults ?? []).map((f, i): FaultWindowSummary => {
    const fromSec = (f.fromMs - phase.startedAtMs) / 1000;
    const toSec = (f.toMs - phase.startedAtMs) / 1000;
    // The recovery span ends where the next fault begins: what that one causes is its own, not this one's.
    const spanTo = Math.min(f.toMs + RECOVERY_SPAN_MS, ...starts.filter((s) => s > f.fromMs));
    const writeGapMs = longestOwned(phase.availability?.write?.gaps, starts, i, spanTo);
    const readGapMs = longestOwned(phase.availability?.read?.gaps, starts, i, spanTo);
    const errs: Record<string, number> = {};
    const spanToSec = (spanTo - phase.startedAtMs) / 1000;
    for (const e of errors) if (!e.warmup && e.offsetSec + 1 > fromSec && e.offsetSec < spanToSec) errs[e.code] = (errs[e.code] ?? 0) + e.count;
    const before = median(measured.filter((t) => t.offsetSec + 1 <= fromSec && t.count > 0).map((t) => t.p99Us));
    const back = before === undefined ? undefined : measured.find((t) => t.offsetSec >= Math.floor(toSec) && t.count > 0 && t.p99Us <= before * RECOVERY_FACTOR);
    const p99RecoverySec = back ? Math.max(0, back.offsetSec + 1 - toSec) : undefined;
    const w: Omit<FaultWindowSummary, 'statement'> = {
      ...f,
      fromSec,
      toSec,
      ...(writeGapMs !== undefined ? { writeGapMs } : {}),
      ...(readGapMs !== undefined ? { readGapMs } : {}),
      errors: errs,
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

/**
 * The witness (docs/resilience.md): etcd's own count of a phase's writes (its revision moved by one per
 * acknowledged write) beside the writes the agents accounted for. Equal on a dedicated cluster with no
 * fault; any difference is stated with its causes, and bounded where the cause bounds it. Pure.
 */
import type { IntegrityMismatch, PhaseWitness } from '@etcdlab/common';
import type { RawInterval, RawPhase } from '../raw/types.js';

/** How often an agent saves the interval in progress (agent/src/phase-execution.ts CHECKPOINT_MS). */
export const CHECKPOINT_WINDOW_MS = 100;

/** Ops that may make a revision even when the agent saw them fail (a deadline after etcd applied them). */
const WRITE_OPS = new Set(['put', 'delete', 'delete-range', 'txn-put', 'cas', 'create', 'cas-delete', 'lease-revoke', 'put-lease']);

export interface WitnessInput {
  phase: RawPhase;
  /** Writes the agents' reports of this phase accounted for (warm-up included). */
  agentWrites: number;
  /** Per agent, for the checkpoint window of a restart. */
  agentWritesById: ReadonlyMap<string, number>;
  /** Failed operations by op name (the measured part). */
  errorsByOp: ReadonlyMap<string, number>;
  /** The cluster was there before the run (--endpoints): others may write to it. */
  shared: boolean;
  /** The phase's mix has lease ops: a revoke or an expiry deletes keys in one revision the agent cannot see. */
  leases: boolean;
  /** The phase's intervals as saved (checkpoints included): how long before a restart its last save was. */
  intervals?: readonly Pick<RawInterval, 'agentId' | 'phase' | 'instance' | 'startMs' | 'lengthMs' | 'checkpointAtMs' | 'writes'>[];
}

/**
 * An agent's write rate (per ms) for a restart's window: its busiest whole interval of the phase, since a
 * restart's downtime drags its phase average below what it ran at when it died; else the phase average.
 */
function peakWritesPerMs(w: WitnessInput, agentId: string): number {
  let peak = (w.agentWritesById.get(agentId) ?? 0) / Math.max(w.phase.durationMs, 1);
  for (const i of w.intervals ?? [])
    if (i.agentId === agentId && i.phase === w.phase.name && i.checkpointAtMs === undefined && i.writes !== undefined && i.lengthMs > 0) peak = Math.max(peak, i.writes / i.lengthMs);
  return peak;
}

/**
 * How long before each restart of an agent its earlier instance last saved what it measured (the end of
 * its last interval, or its last checkpoint), in ms; at least the checkpoint period. Instances are taken
 * in the order they first reported: restart k ended instance k. Without intervals, the period itself.
 */
function unsavedMs(w: WitnessInput, agentId: string): number[] {
  const restarts = (w.phase.restarts ?? []).filter((r) => r.agentId === agentId);
  if (!w.intervals) return restarts.map(() => CHECKPOINT_WINDOW_MS);
  const saved = new Map<string, { first: number; last: number }>();
  for (const i of w.intervals) {
    if (i.agentId !== agentId || i.phase !== w.phase.name) continue;
    const key = i.instance ?? '';
    const at = i.checkpointAtMs ?? i.startMs + i.lengthMs;
    const s = saved.get(key);
    saved.set(key, s ? { first: Math.min(s.first, i.startMs), last: Math.max(s.last, at) } : { first: i.startMs, last: at });
  }
  const instances = [...saved.values()].sort((a, b) => a.first - b.first);
  return restarts.map((r, k) => {
    // It was last heard of at lostAtMs but may have run until the coordinator saw it go (awayAtMs). An
    // instance that saved nothing of the phase lost everything since the phase started.
    const dead = Math.max(r.awayAtMs ?? r.lostAtMs, r.lostAtMs);
    const last = Math.min(instances[k]?.last ?? w.phase.startedAtMs, dead);
    return Math.max(CHECKPOINT_WINDOW_MS, dead - last);
  });
}

export function witnessOf(w: WitnessInput): PhaseWitness | undefined {
  const rev = w.phase.witness;
  if (!rev) return undefined;
  const etcdWrites = Math.max(0, rev.toRevision - rev.fromRevision);
  const difference = w.agentWrites - etcdWrites;
  const causes: string[] = [];
  let allowance = 0;
  let unbounded = false;
  const gaps = new Map<string, number[]>();
  for (const r of w.phase.restarts ?? []) {
    const clients = w.phase.agents.find((a) => a.agentId === r.agentId)?.clients ?? 0;
    if (!gaps.has(r.agentId)) gaps.set(r.agentId, unsavedMs(w, r.agentId));
    const gapMs = gaps.get(r.agentId)!.shift() ?? CHECKPOINT_WINDOW_MS;
    // What it measured after its last save (at its busiest rate), and the requests it had in flight, may be etcd's only.
    const window = Math.ceil(peakWritesPerMs(w, r.agentId) * gapMs) + clients;
    allowance += window;
    causes.push(`agent ${r.agentId} restarted at +${((r.lostAtMs - w.phase.startedAtMs) / 1000).toFixed(1)} s: up to ${window} writes (its last ${Math.round(gapMs)} ms before it was seen to go, unsaved, and its requests in flight) may be etcd's only`);
  }
  for (const a of w.phase.agents) {
    if (a.endedBy === 'lost' && !(w.phase.restarts ?? []).some((r) => r.agentId === a.agentId)) {
      unbounded = true;
      causes.push(`agent ${a.agentId} was lost: what it measured after its last delivered report is not in the results`);
    }
    // An agent that failed its phase, or was given up on after an interrupt, sent no end of its share.
    if (a.endedBy === 'failed' || a.endedBy === 'interrupted') {
      unbounded = true;
      causes.push(`agent ${a.agentId} ${a.endedBy === 'failed' ? 'failed its phase' : 'was interrupted'}: what it measured after its last delivered report is not in the results`);
    }
  }
  const failedWrites = [...w.errorsByOp].filter(([op]) => WRITE_OPS.has(op)).reduce((n, [, e]) => n + e, 0);
  if (failedWrites > 0) {
    allowance += failedWrites;
    causes.push(`${failedWrites} write(s) failed as the agents saw them (e.g. a deadline): etcd may have applied them`);
  }
  if (w.leases) {
    unbounded = true;
    causes.push('the mix has lease ops: a revoke or an expiry deletes its keys in a revision no agent counts');
  }
  if (w.shared) {
    unbounded = true;
    causes.push('the cluster was given with --endpoints: other writers on a shared cluster add to etcd\'s count');
  }
  const status: PhaseWitness['status'] = difference === 0 ? 'equal' : difference < 0 && -difference <= allowance ? 'within-window' : difference < 0 && unbounded ? 'explained' : 'unexplained';
  if (status === 'unexplained') causes.push(difference > 0 ? 'the agents accounted for more writes than etcd counted: a revision read or the agents\' counting is wrong' : 'no recorded fault explains the writes missing from the results');
  const gap = difference === 0 ? '' : ` (${Math.abs(difference).toLocaleString('en-US')} ${difference < 0 ? 'fewer' : 'more'}, ${status === 'within-window' ? `within the ${allowance.toLocaleString('en-US')} the faults allow` : status})`;
  const statement = `etcd counted ${etcdWrites.toLocaleString('en-US')} writes, agents accounted for ${w.agentWrites.toLocaleString('en-US')}${gap}`;
  return { etcdWrites, agentWrites: w.agentWrites, difference, allowance, status, causes: status === 'equal' ? [] : causes, statement };
}

/**
 * The run's integrity: the histogram check's mismatches, and every phase whose witness is unexplained (the
 * agents' count and etcd's disagree with no recorded fault to account for it): either way the figures
 * must not be trusted, and the exit status says so (3).
 */
export function integrityWithWitness<T extends { ok: boolean; mismatches: IntegrityMismatch[] }>(
  integrity: T,
  phases: readonly { name: string; witness?: PhaseWitness }[],
): T {
  const unexplained = phases.filter((p) => p.witness?.status === 'unexplained');
  if (unexplained.length === 0) return integrity;
  const witness = unexplained.map((p) => ({ kind: 'witness' as const, agentId: 'all agents', phase: p.name, op: 'writes', detail: `witness: ${p.witness?.statement}: ${p.witness?.causes.join('; ')}` }));
  return { ...integrity, ok: false, mismatches: [...integrity.mismatches, ...witness] };
}

/**
 * What a fault phase records (manifest.json `phases[].faults`, `availability`, `durability`), and the
 * availability figures from the agents' gaps (pure): one place, read by the summary, the report and
 * compare alike (docs/faults.md).
 */
import { createHash } from 'node:crypto';
import type { FaultAction } from '../workload/faults.js';

/** A value's digest as an acknowledged put carries it (AckedPut.value): the agent's and the check's, one definition. */
export const valueDigest = (value: Uint8Array): string => createHash('sha256').update(value).digest('base64').slice(0, 16);

/** One injected fault as it happened. Times are coordinator-clock ms. */
export interface FaultRecord {
  /** Index of the phase's `faults:` entry. */
  fault: number;
  action: FaultAction;
  /** As written (leader, follower, random, a name). */
  target: string;
  /** The members it was resolved to at the moment of the fault. */
  members: string[];
  /** When it was planned, ms after the measured start. */
  plannedMs: number;
  /** Injected (the signal sent, the request made) and over (undone, or etcd answered). */
  fromMs: number;
  toMs: number;
  leaderBefore?: string;
  /** The first other leader during the fault, else the leader once it was over. */
  leaderAfter?: string;
  /** The cluster's raft term before the fault and once it was over: a rise is an election (or a campaign). */
  termBefore?: number;
  termAfter?: number;
  /** A fault on the leader (or move-leader): ms from fromMs until another member was leader. */
  electionMs?: number;
  /** kill / stop: ms from the member's start again until it answered. */
  backMs?: number;
  /** Not injected, or not undone: why. */
  error?: string;
}

/** The longest stretch without a success of one class of operations. */
export interface ClassAvailability {
  /** Cluster-wide: no agent had a success in it (0: none of at least GAP_MIN_MS). */
  longestMs: number;
  fromMs?: number;
  toMs?: number;
  /** Each agent's own longest gap, ms. */
  agents: Record<string, number>;
  /** Every cluster-wide gap of at least GAP_MIN_MS (the longest 100), in time order: matched to fault windows. */
  gaps: [number, number][];
}

export interface AvailabilityRecord {
  write?: ClassAvailability;
  read?: ClassAvailability;
}

export interface DurabilityRecord {
  /** Acknowledged puts read back. */
  checked: number;
  /** Missing at their revision (or gone later without a delete in the workload). */
  lost: number;
  /** Present at their revision with another value. */
  changed: number;
  /** Could not be read back (the cluster did not answer): neither confirmed nor lost. */
  unreadable: number;
  /** Read at the current revision: their own revision was compacted. */
  compacted: number;
  /** The first few problems: key (as text when printable), revision, what was found. */
  examples: { key: string; revision: number; problem: string }[];
}

/** Gaps shorter than this are ordinary spacing between operations, not unavailability. */
export const GAP_MIN_MS = 100;

type Gap = readonly [number, number];

/** Where every list has a gap at once (sorted, non-overlapping lists). */
export function intersectGaps(lists: readonly (readonly Gap[])[]): Gap[] {
  if (lists.length === 0) return [];
  let acc: Gap[] = [...(lists[0] ?? [])];
  for (const next of lists.slice(1)) {
    const out: Gap[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length && j < next.length) {
      const a = acc[i] as Gap;
      const b = next[j] as Gap;
      const from = Math.max(a[0], b[0]);
      const to = Math.min(a[1], b[1]);
      if (to > from) out.push([from, to]);
      if (a[1] < b[1]) i++;
      else j++;
    }
    acc = out;
  }
  return acc;
}

const sorted = (gaps: readonly Gap[]): Gap[] => [...gaps].sort((a, b) => a[0] - b[0]);

/** The availability of one phase from each agent's gaps (agents without the class are left out). */
export function availabilityOf(perAgent: ReadonlyMap<string, { write?: readonly Gap[]; read?: readonly Gap[] }>, minMs: number): AvailabilityRecord {
  const out: AvailabilityRecord = {};
  for (const cls of ['write', 'read'] as const) {
    const agents = [...perAgent].filter(([, g]) => g[cls] !== undefined);
    if (agents.length === 0) continue;
    const longestOf = (gaps: readonly Gap[]): Gap | undefined => gaps.reduce<Gap | undefined>((best, g) => (!best || g[1] - g[0] > best[1] - best[0] ? g : best), undefined);
    // Rounded once, here: the longest gap and the list a window is matched against are the same numbers.
    const all = intersectGaps(agents.map(([, g]) => sorted(g[cls] ?? [])))
      .map(([a, b]): Gap => [Math.round(a), Math.round(b)])
      .filter((g) => g[1] - g[0] >= minMs);
    const cluster = longestOf(all);
    const kept = [...all].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, 100).sort((a, b) => a[0] - b[0]);
    out[cls] = {
      longestMs: cluster ? cluster[1] - cluster[0] : 0,
      ...(cluster ? { fromMs: cluster[0], toMs: cluster[1] } : {}),
      agents: Object.fromEntries(agents.map(([id, g]) => {
        const l = longestOf(g[cls] ?? []);
        return [id, l ? Math.round(l[1] - l[0]) : 0];
      })),
      gaps: kept.map(([a, b]) => [a, b]),
    };
  }
  return out;
}

/** One fault window as every output shows it (the report model computes it once: report/model/faults.ts). */
export interface FaultWindowSummary extends FaultRecord {
  /** Seconds after the phase's start (the time charts' axis). */
  fromSec: number;
  toSec: number;
  /** The longest cluster-wide gap without a successful write / read that overlaps the window (ms). */
  writeGapMs?: number;
  readGapMs?: number;
  /** Errors by code in the intervals the window and its recovery span. */
  errors: Record<string, number>;
  /** The same failed requests by the member they were sent to (the agents' connection's endpoint). */
  errorsByMember?: Record<string, number>;
  /** Seconds from the window's end until an interval's p99 was back within RECOVERY_FACTOR of the p99 before it. */
  p99RecoverySec?: number;
  /** One line: what was done, to whom, and what clients felt. */
  statement: string;
}

export interface PhaseFaultSummary {
  windows: FaultWindowSummary[];
  availability?: AvailabilityRecord;
  durability?: DurabilityRecord;
  /** "4,014 acknowledged puts read back: none lost", or what was lost. */
  durabilityStatement?: string;
}

/**
 * Faults on purpose (docs/faults.md): a phase's `faults:` list, validated with the rest of the workload,
 * and its expansion into the concrete windows a run injects (pure).
 */
import { z } from 'zod';
import { WORKLOAD_BOUNDS as B } from './bounds.js';
import { duration, durationAtMost, positiveDuration } from './schema-fields.js';

/**
 * What a fault does. kill: SIGKILL, started again after `for`; stop: a graceful stop (SIGTERM), started
 * again after `for`; pause: SIGSTOP, SIGCONT after `for`; partition: the member cut off from its peers,
 * its clients or both; delay: its peer traffic delayed; drop: a share of its peer traffic lost (as TCP
 * sees a loss: late by a retransmission); compact: compaction to the newest revision; defrag: defragment
 * the member; move-leader: hand leadership to another member.
 */
export const FAULT_ACTIONS = ['kill', 'stop', 'pause', 'partition', 'delay', 'drop', 'compact', 'defrag', 'move-leader'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** Actions that last (`for:` says how long); the others are one request, over when etcd answers. */
export const LASTING_ACTIONS: readonly FaultAction[] = ['kill', 'stop', 'pause', 'partition', 'delay', 'drop'];
/** Actions on a member's links (a proxy on them, docs/faults.md). */
export const LINK_ACTIONS: readonly FaultAction[] = ['partition', 'delay', 'drop'];

/** Chosen when the fault starts: the leader then, a follower then, any member, or a member by name. */
export const FAULT_TARGETS = ['leader', 'follower', 'random'] as const;
export type FaultTargetKind = (typeof FAULT_TARGETS)[number];

const memberName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'leader, follower, random, or a member name such as etcd-2');

export const faultSchema = z.strictObject({
  action: z.enum(FAULT_ACTIONS),
  /** leader | follower | random | a member's name (checked against the cluster when the run starts). */
  target: memberName.default('leader'),
  /** How many distinct members (follower and random only): 2 followers of 3 members is a quorum loss. */
  count: z.number().int().min(1).max(6).default(1),
  /** After the phase's measured start. */
  at: durationAtMost(duration, B.durationMs),
  /** How long a lasting fault lasts (kill, stop, pause): then the member is started or resumed. */
  for: durationAtMost(positiveDuration, B.durationMs).optional(),
  /** Repeat the fault this often (from `at`) until the phase ends. */
  every: durationAtMost(positiveDuration, B.durationMs).optional(),
  /** partition: cut the member off from its peers, its clients, or both (default). */
  from: z.enum(['peers', 'clients', 'both']).optional(),
  /** delay: added to each piece of the member's peer traffic, both ways, with up to `jitter` more. */
  ms: durationAtMost(positiveDuration, 60_000).optional(),
  jitter: durationAtMost(duration, 60_000).optional(),
  /** drop: the share of the member's peer traffic lost, 0 to 1. */
  share: z.number().gt(0).max(1).optional(),
}).superRefine((f, ctx) => {
  const only: [keyof typeof f, FaultAction][] = [['from', 'partition'], ['ms', 'delay'], ['jitter', 'delay'], ['share', 'drop']];
  for (const [field, action] of only) if (f[field] !== undefined && f.action !== action) ctx.addIssue({ code: 'custom', path: [field], message: `\`${field}\` applies to ${action} only`, params: { fix: 'remove it' } });
  if (f.action === 'delay' && f.ms === undefined) ctx.addIssue({ code: 'custom', path: ['ms'], message: 'delay needs how much', params: { fix: 'add ms:, e.g. ms: 50ms (and jitter: 10ms)' } });
  if (f.action === 'drop' && f.share === undefined) ctx.addIssue({ code: 'custom', path: ['share'], message: 'drop needs the share of the traffic lost', params: { fix: 'add share:, e.g. share: 0.1 (10%)' } });
});
export type FaultInput = z.output<typeof faultSchema>;

/** A fault as a phase carries it (PhaseSpec.faults). */
export interface FaultSpec {
  action: FaultAction;
  target: string;
  count: number;
  atMs: number;
  forMs?: number;
  everyMs?: number;
  /** Link faults: what is cut, delayed or dropped. */
  link?: LinkFault;
}

/** A fault on a member's links: partition (from peers, clients or both), delay, or loss of its peer traffic. */
export interface LinkFault {
  from: 'peers' | 'clients' | 'both';
  /** Cut: nothing passes while it lasts (held, as TCP holds what it cannot send). */
  cut: boolean;
  delayMs: number;
  jitterMs: number;
  dropShare: number;
}

/** One injection: when (ms after the measured start), what, on which target. */
export interface FaultWindowPlan {
  /** Index of the phase's fault entry this window comes from. */
  fault: number;
  link?: LinkFault;
  action: FaultAction;
  target: string;
  count: number;
  fromMs: number;
  /** Lasting actions: when it is undone; others: undefined (over when etcd answers). */
  toMs?: number;
}

export const toFaultSpec = (f: FaultInput): FaultSpec => ({
  action: f.action,
  target: f.target,
  count: f.count,
  atMs: f.at,
  ...(f.for !== undefined ? { forMs: f.for } : {}),
  ...(f.every !== undefined ? { everyMs: f.every } : {}),
  ...(LINK_ACTIONS.includes(f.action)
    ? { link: { from: f.action === 'partition' ? (f.from ?? 'both') : 'peers', cut: f.action === 'partition', delayMs: f.action === 'delay' ? (f.ms ?? 0) : 0, jitterMs: f.action === 'delay' ? (f.jitter ?? 0) : 0, dropShare: f.action === 'drop' ? (f.share ?? 0) : 0 } }
    : {}),
});

/** At most this many windows per phase: a schedule is read by people, and every window is recorded. */
export const MAX_FAULT_WINDOWS = 1000;

/** The phase's windows in time order (every: repeated while it starts before the phase's end). */
export function faultWindows(faults: readonly FaultSpec[], phaseMs: number): FaultWindowPlan[] {
  const out: FaultWindowPlan[] = [];
  faults.forEach((f, fault) => {
    for (let at = f.atMs; at < phaseMs && out.length < MAX_FAULT_WINDOWS; at += f.everyMs ?? Infinity) {
      out.push({ fault, action: f.action, target: f.target, count: f.count, fromMs: at, ...(f.forMs !== undefined ? { toMs: Math.min(at + f.forMs, phaseMs) } : {}), ...(f.link ? { link: f.link } : {}) });
    }
  });
  return out.sort((a, b) => a.fromMs - b.fromMs || a.fault - b.fault);
}

export interface FaultIssue {
  path: (string | number)[];
  message: string;
  fix: string;
}

const sec = (ms: number): string => `${ms / 1000}s`;

/** Checks of a phase's faults against the phase (run with the schema: every problem at once). */
export function faultIssues(faults: readonly FaultSpec[], phase: { durationMs?: number; total?: number }, at: (string | number)[]): FaultIssue[] {
  const out: FaultIssue[] = [];
  if (faults.length === 0) return out;
  if (phase.durationMs === undefined) {
    return [{ path: [...at, 'faults'], message: 'faults need a phase with a duration (its timeline)', fix: 'give the phase a duration, e.g. duration: 30s (with or instead of total)' }];
  }
  const len = phase.durationMs;
  faults.forEach((f, i) => {
    const p = [...at, 'faults', i];
    const lasting = LASTING_ACTIONS.includes(f.action);
    if (f.atMs >= len) out.push({ path: [...p, 'at'], message: `at ${sec(f.atMs)} is not inside the phase (${sec(len)})`, fix: `use an at below ${sec(len)}` });
    if (lasting && f.forMs === undefined) out.push({ path: [...p, 'for'], message: `${f.action} needs how long it lasts`, fix: `add for:, e.g. for: 5s (the member is ${f.action === 'pause' ? 'resumed' : 'started again'} then)` });
    if (!lasting && f.forMs !== undefined) out.push({ path: [...p, 'for'], message: `${f.action} is one request to etcd; it has no for:`, fix: 'remove for:' });
    if (lasting && f.forMs !== undefined && f.atMs < len && f.atMs + f.forMs > len) {
      out.push({ path: [...p, 'for'], message: `the fault ends at ${sec(f.atMs + f.forMs)}, after the phase (${sec(len)})`, fix: `use at most for: ${sec(len - f.atMs)}, or a longer phase: the load must see the cluster come back` });
    }
    if (f.everyMs !== undefined && f.everyMs <= (f.forMs ?? 0)) out.push({ path: [...p, 'every'], message: `every ${sec(f.everyMs)} is not longer than the fault (${sec(f.forMs ?? 0)})`, fix: 'use an every longer than for, so that one window ends before the next starts' });
    const isKind = (FAULT_TARGETS as readonly string[]).includes(f.target);
    if (f.count > 1 && (!isKind || f.target === 'leader')) out.push({ path: [...p, 'count'], message: `count ${f.count} needs target follower or random`, fix: 'use target: follower (or random), or remove count' });
    if (f.action === 'compact' && f.target !== 'leader') out.push({ path: [...p, 'target'], message: 'a compaction is cluster-wide; it has no target member', fix: 'remove target' });
    if (f.action === 'move-leader' && f.target !== 'leader' && f.target !== 'follower' && isKind) out.push({ path: [...p, 'target'], message: 'move-leader hands leadership to a follower (or a named member)', fix: 'use target: follower, or a member name' });
  });
  const windows = faultWindows(faults, len);
  if (windows.length >= MAX_FAULT_WINDOWS) out.push({ path: [...at, 'faults'], message: `more than ${MAX_FAULT_WINDOWS} fault windows in the phase`, fix: 'use a longer every, or fewer faults' });
  return out;
}

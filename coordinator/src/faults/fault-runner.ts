/**
 * Injects one phase's faults on schedule (docs/faults.md): each window waits for its time after the
 * measured start, resolves its target at that moment (the leader then), injects, waits out its `for`, and
 * undoes. finish() ends the phase's faults: windows not started are dropped, active ones are undone at
 * once (an interrupt, the phase's end), and every record is returned. Nothing is left killed or paused.
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import { type FaultRecord, type FaultWindowPlan, LASTING_ACTIONS } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { MemberFaults } from '../cluster/member-faults.js';
import { etcdClientTls, type TargetMember, type TlsMaterial } from '../cluster/target.js';
import { clusterRoles, pickMembers } from './cluster-roles.js';

export interface FaultTarget {
  members: readonly TargetMember[];
  endpoints: readonly string[];
  tls?: TlsMaterial;
  /** The provider's mechanism for lasting faults (absent: only compact, defrag, move-leader). */
  faults?: MemberFaults;
}

export interface PhaseFaults {
  /** Ends the phase's faults (undoing active ones) and returns what happened, in time order. */
  finish(): Promise<FaultRecord[]>;
  /** Resolves once every window has run its course by itself (injected, lasted, undone, settled). */
  readonly settled: Promise<void>;
}

const wallNowMs = (): number => performance.timeOrigin + performance.now();
/** Bounds on what a fault waits for: a leader elected, a member answering again, a maintenance call. */
const ELECTION_WAIT_MS = 30_000;
const BACK_WAIT_MS = 30_000;
const MAINTENANCE_DEADLINE_MS = 120_000;
const POLL_MS = 50;

export function startPhaseFaults(windows: readonly FaultWindowPlan[], measuredAtMs: number, target: FaultTarget, logger: Logger, warn: (m: string) => void, note: (line: string) => void = () => {}): PhaseFaults {
  const buffers = etcdClientTls(target.tls);
  const client = new EtcdClient({ endpoints: [...target.endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  const ending = new AbortController();
  const log = logger.child({ component: 'faults' });
  const records: FaultRecord[] = [];
  const undone = new Set<FaultRecord>();

  /** Resolves at `atMs` (coordinator clock) or when the phase's faults end, whichever is first. */
  const until = (atMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (ending.signal.aborted) return resolve();
      const t = setTimeout(done, Math.max(0, atMs - wallNowMs()));
      function done(): void {
        clearTimeout(t);
        ending.signal.removeEventListener('abort', done);
        resolve();
      }
      ending.signal.addEventListener('abort', done, { once: true });
    });

  const poll = async <T>(what: () => Promise<T | undefined>, boundMs: number): Promise<T | undefined> => {
    const deadline = wallNowMs() + boundMs;
    while (wallNowMs() < deadline) {
      const v = await what();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return undefined;
  };

  /** Once another member than `old` leads (or any, when old is undefined): when, and who. */
  const elected = (old: string | undefined) =>
    poll(async () => {
      const r = await clusterRoles(client, target.members);
      return r.leader && r.leader.name !== old ? { at: wallNowMs(), name: r.leader.name } : undefined;
    }, ELECTION_WAIT_MS);

  /** Once the fault is over: the leader then (bounded wait for one) and the term, to show an election it caused. */
  async function settle(rec: FaultRecord): Promise<void> {
    if (rec.error) return;
    const r = await poll(async () => {
      const x = await clusterRoles(client, target.members);
      return x.leader ? x : undefined;
    }, ELECTION_WAIT_MS);
    if (!r) return;
    rec.leaderAfter ??= r.leader?.name;
    if (r.term !== undefined) rec.termAfter = r.term;
  }

  async function run(w: FaultWindowPlan): Promise<void> {
    const rec = await inject(w);
    if (rec) await settle(rec);
  }

  /** The window's record, or undefined when the phase ended before its time. */
  async function inject(w: FaultWindowPlan): Promise<FaultRecord | undefined> {
    await until(measuredAtMs + w.fromMs);
    if (ending.signal.aborted) return undefined; // the phase ended first: never injected
    const roles = await clusterRoles(client, target.members);
    const rec: FaultRecord = { fault: w.fault, action: w.action, target: w.target, members: [], plannedMs: w.fromMs, fromMs: wallNowMs(), toMs: wallNowMs(), ...(roles.leader ? { leaderBefore: roles.leader.name } : {}), ...(roles.term !== undefined ? { termBefore: roles.term } : {}) };
    records.push(rec);
    const lasting = LASTING_ACTIONS.includes(w.action);
    const mech = target.faults;
    const pick = w.action === 'compact' ? { names: [] } : w.action === 'move-leader' ? pickMembers(w.target === 'leader' ? 'follower' : w.target, 1, roles) : pickMembers(w.target, w.count, roles);
    if (pick.problem) return fail(rec, `not injected: ${pick.problem}`);
    rec.members = pick.names;
    if (lasting && !mech?.supports.includes(w.action)) return fail(rec, `not injected: this provider cannot ${w.action} a member (docs/faults.md)`);
    log.warn({ fault: w.fault, action: w.action, members: rec.members, leader: rec.leaderBefore }, 'fault: injecting');
    note(`fault: ${w.action} ${w.action === 'compact' ? 'the cluster' : w.target}${rec.members.length ? ` (${rec.members.join(', ')})` : ''} at +${(w.fromMs / 1000).toFixed(1)} s${w.toMs !== undefined ? `, undone at +${(w.toMs / 1000).toFixed(1)} s` : ''}`);
    try {
      rec.fromMs = wallNowMs();
      if (!lasting) {
        await maintenance(w.action, rec, roles);
        rec.toMs = wallNowMs();
        if (w.action === 'move-leader') await noteElection(rec, rec.leaderBefore);
        return rec;
      }
      const m = mech as MemberFaults;
      for (const name of rec.members) {
        if (w.link) await m.link(name, w.link);
        else await (w.action === 'kill' ? m.kill(name) : w.action === 'stop' ? m.stop(name) : m.pause(name));
      }
      const onLeader = rec.leaderBefore !== undefined && rec.members.includes(rec.leaderBefore);
      // The election is measured while the fault lasts; the undo waits for it (bounded by the window's end).
      const election = onLeader ? noteElection(rec, rec.leaderBefore) : Promise.resolve();
      await until(measuredAtMs + (w.toMs ?? w.fromMs));
      await undo(rec, m);
      await election;
    } catch (err) {
      fail(rec, String((err as Error).message ?? err));
      // Whatever part of it was injected is undone (a member killed before the next one failed).
      if (lasting && target.faults) await undo(rec, target.faults);
    }
    return rec;
  }

  async function noteElection(rec: FaultRecord, old: string | undefined): Promise<void> {
    const e = await elected(old);
    if (e) Object.assign(rec, { electionMs: Math.round(e.at - rec.fromMs), leaderAfter: e.name });
  }

  async function maintenance(action: FaultRecord['action'], rec: FaultRecord, roles: Awaited<ReturnType<typeof clusterRoles>>): Promise<void> {
    if (action === 'compact') {
      const rev = await client.currentRevision(MAINTENANCE_DEADLINE_MS);
      await client.compact(rev, false, MAINTENANCE_DEADLINE_MS);
      log.warn({ revision: rev }, 'fault: compacted');
    } else if (action === 'defrag') {
      for (const name of rec.members) await client.defragment(urlOf(name), MAINTENANCE_DEADLINE_MS);
      log.warn({ members: rec.members }, 'fault: defragmented');
    } else if (action === 'move-leader') {
      const to = roles.members.find((r) => r.name === rec.members[0]);
      if (!roles.leader || !to?.id) throw new Error('no leader, or the new leader did not answer');
      await client.moveLeader(roles.leader.clientUrl, to.id, MAINTENANCE_DEADLINE_MS);
      log.warn({ from: roles.leader.name, to: to.name }, 'fault: leadership moved');
    }
  }

  const urlOf = (name: string): string => target.members.find((m) => m.name === name)?.clientUrl ?? '';

  async function undo(rec: FaultRecord, m: MemberFaults): Promise<void> {
    if (undone.has(rec)) return;
    undone.add(rec);
    const restarts = rec.action === 'kill' || rec.action === 'stop';
    // Every member is undone even when one of them fails (it may never have been faulted).
    for (const name of rec.members) {
      try {
        if (rec.action === 'pause') await m.resume(name);
        else if (restarts) await m.start(name);
        else await m.clearLink(name);
      } catch (err) {
        warn(`fault ${rec.action} of ${name}: not undone: ${(err as Error).message}`);
      }
    }
    rec.toMs = wallNowMs();
    if (restarts) {
      const back = await poll(async () => ((await clusterRoles(client, target.members.filter((x) => rec.members.includes(x.name)))).members.every((r) => r.id !== undefined) ? wallNowMs() : undefined), BACK_WAIT_MS);
      if (back === undefined) warn(`fault ${rec.action} of ${rec.members.join(', ')}: started again, but not answering within ${BACK_WAIT_MS / 1000} s`);
      else rec.backMs = Math.round(back - rec.toMs);
    }
    log.warn({ action: rec.action, members: rec.members, backMs: rec.backMs }, 'fault undone');
    note(`fault undone: ${rec.action === 'pause' ? 'resumed' : restarts ? 'started again' : 'links restored for'} ${rec.members.join(', ')}`);
  }

  function fail(rec: FaultRecord, message: string): FaultRecord {
    rec.error = message;
    rec.toMs = Math.max(rec.toMs, wallNowMs());
    log.error({ fault: rec.fault, action: rec.action, target: rec.target, message }, 'fault failed');
    warn(`E_FAULT_FAILED: fault ${rec.fault + 1} (${rec.action} ${rec.target}) at +${(rec.plannedMs / 1000).toFixed(1)} s: ${message}`);
    return rec;
  }

  const tasks = windows.map((w) =>
    run(w).catch((err: unknown) => {
      log.error({ err }, 'fault window failed');
    }),
  );
  return {
    settled: Promise.all(tasks).then(() => undefined),
    async finish() {
      ending.abort();
      await Promise.all(tasks);
      await client.close();
      return records.sort((a, b) => a.fromMs - b.fromMs);
    },
  };
}

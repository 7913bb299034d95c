/**
 * Faults for the local provider: signals to the member processes, and a member started again with the
 * same flags on its own data (etcd ignores the bootstrap flags once its data folder exists).
 */
import type { Logger } from 'pino';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import { type MemberFaults, PROVIDER_FAULTS } from '../member-faults.js';
import { type LiveMember, type MemberSpec, spawnMember } from './member.js';
import type { LinkTable } from './link-table.js';
import { signalGroup, sleep } from './processes.js';

export interface LocalMemberSet {
  /** The live handles, replaced in place when a member is started again. */
  members: LiveMember[];
  specs: MemberSpec[];
  argsOf(spec: MemberSpec): string[];
  bin: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Paused members: resumed before any stop (a stopped process does not act on SIGTERM). */
  paused: Set<string>;
  /** After a member's process changed (its pid): cluster.json is written again. */
  changed(): Promise<void>;
  /** The link faults the proxies read; absent: the cluster has no proxies (no link fault was asked for). */
  links?: LinkTable;
}

const GONE_WAIT_MS = 15_000;

export function localMemberFaults(set: LocalMemberSet): MemberFaults {
  const find = (name: string): { m: LiveMember; i: number } => {
    const i = set.members.findIndex((m) => m.info.name === name);
    const m = set.members[i];
    if (!m) throw new ClusterError(ErrorCodes.faultFailed, `no member named ${name} (members: ${set.members.map((x) => x.info.name).join(', ')})`);
    return { m, i };
  };
  const signal = (name: string, sig: NodeJS.Signals): LiveMember => {
    const { m } = find(name);
    if (m.exit || m.info.pid === undefined) throw new ClusterError(ErrorCodes.faultFailed, `member ${name} is not running`);
    signalGroup(m.info.pid, sig);
    return m;
  };
  const gone = async (m: LiveMember, what: string): Promise<void> => {
    const r = await Promise.race([m.exited, sleep(GONE_WAIT_MS).then(() => 'timeout' as const)]);
    if (r === 'timeout') throw new ClusterError(ErrorCodes.faultFailed, `member ${m.info.name} was still running ${GONE_WAIT_MS / 1000} s after ${what}`);
  };
  return {
    supports: PROVIDER_FAULTS.local,
    async kill(name) {
      set.paused.delete(name);
      await gone(signal(name, 'SIGKILL'), 'SIGKILL');
      set.log.warn({ member: name }, 'fault: member killed (SIGKILL)');
    },
    async stop(name) {
      if (set.paused.delete(name)) signal(name, 'SIGCONT');
      await gone(signal(name, 'SIGTERM'), 'SIGTERM');
      set.log.warn({ member: name }, 'fault: member stopped (SIGTERM)');
    },
    async start(name) {
      const { m, i } = find(name);
      if (!m.exit) throw new ClusterError(ErrorCodes.faultFailed, `member ${name} is still running; it cannot be started again`);
      const spec = set.specs.find((s) => s.name === name) as MemberSpec;
      const next = spawnMember(set.bin, spec, set.argsOf(spec), set.env);
      set.members[i] = next;
      set.log.warn({ member: name, pid: next.info.pid }, 'fault undone: member started again on its data');
      await set.changed();
    },
    async pause(name) {
      signal(name, 'SIGSTOP');
      set.paused.add(name);
      set.log.warn({ member: name }, 'fault: member paused (SIGSTOP)');
    },
    async link(name, fault) {
      find(name);
      if (!set.links) throw new ClusterError(ErrorCodes.faultFailed, `the cluster was started without link proxies, so ${name}'s links cannot be cut or slowed`);
      set.links.set(name, fault);
      set.log.warn({ member: name, fault }, 'fault: link fault set');
    },
    async clearLink(name) {
      if (set.links?.clear(name)) set.log.warn({ member: name }, 'fault undone: links restored');
    },
    async resume(name) {
      signal(name, 'SIGCONT');
      set.paused.delete(name);
      set.log.warn({ member: name }, 'fault undone: member resumed (SIGCONT)');
    },
  };
}

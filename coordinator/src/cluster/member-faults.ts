/**
 * What a provider can do to one of its members on purpose (docs/faults.md): the mechanism only. Which
 * member, when and for how long is the fault runner's (faults/), so every provider gets the same schedule.
 */
import type { FaultAction, LinkFault } from '@etcdlab/common';

export interface MemberFaults {
  /** The lasting actions this provider can inject (compact, defrag, move-leader go through etcd itself). */
  readonly supports: readonly FaultAction[];
  /** SIGKILL; resolves once the member is gone. */
  kill(member: string): Promise<void>;
  /** A graceful stop (SIGTERM, as etcd expects); resolves once the member is gone. */
  stop(member: string): Promise<void>;
  /** Starts a killed or stopped member on its own data; resolves once it has been spawned. */
  start(member: string): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(member: string): Promise<void>;
  resume(member: string): Promise<void>;
  /** A fault on the member's links (partition, delay, drop), until clearLink. */
  link(member: string, fault: LinkFault): Promise<void>;
  clearLink(member: string): Promise<void>;
  /**
   * Before anything is measured: which hosts cannot take the lasting actions asked (the caller refuses
   * them, as a run or as a drill does), and what a coordinator that died during a fault left behind,
   * undone (lines saying what was cleared).
   */
  prepare?(actions: readonly FaultAction[]): Promise<FaultPreparation>;
}

/** A member's host that cannot take an action, with why and the fix on the host. */
export interface HostRefusal {
  /** The inventory file. */
  file: string;
  host: string;
  action: FaultAction;
  why: string;
  fix: string;
}

export interface FaultPreparation {
  notes: string[];
  refusals: HostRefusal[];
}

/** The lasting faults each provider can inject (docs/faults.md); compact, defrag and move-leader work on all. */
export const PROVIDER_FAULTS: Record<'local' | 'docker' | 'ssh' | 'external', readonly FaultAction[]> = {
  local: ['kill', 'stop', 'pause', 'partition', 'delay', 'drop'],
  docker: ['kill', 'stop', 'pause', 'partition'],
  ssh: ['kill', 'stop', 'pause', 'partition', 'drop'],
  external: [],
};

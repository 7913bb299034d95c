import type { Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { MemberFaults } from './member-faults.js';
import type { MemberInfo } from './types.js';

/** What every provider reports about a member beside etcd's own endpoint status. */
export interface MemberState {
  name: string;
  /** Where it runs: a host name, a container name, a pid. */
  where: string;
  /** Provider view: running, stopped, missing, failed (+ detail). */
  state: string;
  clientUrl: string;
  detail?: string;
}

export interface ClusterInfo {
  members: MemberInfo[];
  clientEndpoints: string[];
  etcdVersion?: string;
  /** PEM material a client needs when the cluster serves TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface MemberReplaced {
  info: ClusterInfo;
  /** The new member id, hex as etcdctl prints it. */
  memberId: string;
  /** From the membership change until healthy and caught up. */
  joinMs: number;
  appliedIndex: number;
}

export interface ProviderContext {
  inventory: Inventory;
  logger: Logger;
  /** Print what would be done and touch nothing. */
  dryRun: boolean;
  /** Human progress lines (stderr). */
  note(line: string): void;
  signal?: AbortSignal;
  /** ssh: record unknown host keys in the project's known_hosts instead of refusing them (--accept-new). */
  acceptNew?: boolean;
}

/**
 * The lifecycle every provider offers (`etcdlab cluster ...`). Every operation is idempotent. Optional
 * ones exist where the provider can do them (`test`, `shell`, `restart` and `generate` come from the
 * Docker cluster manager's command set); the dispatcher says so clearly when one is missing.
 */
export interface ClusterOps {
  readonly provider: 'ssh' | 'docker' | 'local';
  /** Create or start the members and wait until every one is healthy. `members` overrides the inventory. */
  up(o: { members?: number }): Promise<ClusterInfo>;
  /** Client endpoints of the cluster as it runs now (for status and runs). */
  info(): Promise<ClusterInfo>;
  /** Provider-side state of every member (unit/container/process). */
  states(): Promise<MemberState[]>;
  /** Stop the members, keep their data. */
  down(): Promise<void>;
  /** Stop and remove everything etcdlab created: members, data, networks, units. */
  clean(): Promise<void>;
  /** Write a member's log (or all members') to `out`. */
  logs(member: string | undefined, o: { lines: number; out: NodeJS.WritableStream }): Promise<void>;
  /** Interactive shell in a member (docker). Returns the exit status. */
  shell?(member: string): Promise<number>;
  /** Recreate with another size; data kept or wiped. */
  restart?(o: { members: number; wipe: boolean }): Promise<ClusterInfo>;
  /** ssh: the member leaves the cluster, its data is wiped, it joins again as a new member (docs/ssh-deploy.md). */
  replace?(member: string): Promise<MemberReplaced | undefined>;
  /** The provider's mechanism for faults on purpose (`etcdlab fault`, docs/faults.md). */
  faults?(): Promise<MemberFaults>;
  /** Write an equivalent docker-compose.yml. */
  generate?(o: { file: string; members?: number }): Promise<void>;
}

export type ClusterOpsFactory = (ctx: ProviderContext) => ClusterOps;

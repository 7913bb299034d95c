/**
 * What a run needs of an etcd cluster, whichever provider brought it: the one interface between the run
 * path (run/run-command.ts) and the providers (local processes, docker, ssh, an existing cluster).
 */
import type { Logger } from 'pino';
import type { TlsMaterial } from '../metrics/http-get.js';
import type { MemberFaults } from './member-faults.js';

export type { TlsMaterial };

/** The PEM material as the etcd client takes it (Buffers); undefined without TLS. */
export const etcdClientTls = (tls: TlsMaterial | undefined): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined =>
  tls ? { ...(tls.ca ? { ca: Buffer.from(tls.ca) } : {}), ...(tls.cert ? { cert: Buffer.from(tls.cert) } : {}), ...(tls.key ? { key: Buffer.from(tls.key) } : {}) } : undefined;

export type ProviderName = 'local' | 'docker' | 'ssh' | 'external';

export interface TargetMember {
  name: string;
  /** As this machine reaches it (metrics are scraped here). */
  clientUrl: string;
  peerUrl?: string;
}

/** The cluster as recorded in manifest.json (`cluster`): the common part and the provider's own fields. */
export interface ClusterRecord {
  provider: ProviderName;
  members: number;
  endpoints: string[];
  etcdVersion?: string;
  tls: boolean;
  memberDetails: TargetMember[];
  /** local: the etcd binary; docker and ssh: the inventory file; ssh: the cluster name. */
  etcdBinary?: string;
  inventory?: string;
  name?: string;
}

/** A healthy cluster a run can drive. */
export interface ClusterTarget {
  readonly provider: ProviderName;
  /** Client URLs as this machine reaches them, in member order. */
  readonly endpoints: string[];
  readonly tls?: TlsMaterial;
  readonly members: TargetMember[];
  readonly etcdVersion?: string;
  readonly record: ClusterRecord;
  /** More manifest fields the provider knows (ssh: inventory, placement, host checks). */
  readonly manifestExtra: Record<string, unknown>;
  /** Command-line markers of the run's own processes on its hosts (work directories). */
  readonly ownMarkers: string[];
  /** Faults on purpose (kill, stop, pause a member), where the provider can (docs/faults.md). */
  readonly faults?: MemberFaults;
  /**
   * Ends the run's hold on the cluster. A cluster the run started (local) is stopped unless kept; one
   * that was there before the run is left as it is. Returns lines for the terminal.
   */
  release(o: { keep: boolean }): Promise<string[]>;
}

export interface AcquireContext {
  runDir: string;
  logger: Logger;
  note(line: string): void;
  signal: AbortSignal;
  /** The workload's link faults need proxies on the members' peer / client links (local provider). */
  links?: { peer: boolean; client: boolean };
}

/** Where clusters come from: one per provider. */
export interface ClusterSource {
  readonly provider: ProviderName;
  /** One line for the terminal: what this source is. */
  readonly label: string;
  /**
   * Checks what can be checked before a results folder exists (endpoints answer, members healthy);
   * `note` gets lines on what it did first (ssh: faults a dead coordinator left, cleared) and on any wait.
   */
  precheck(note?: (line: string) => void): Promise<void>;
  /**
   * Cluster sizes this source can give (`sweep --members`); absent: only the cluster it has. Giving
   * another size recreates the cluster with empty data (the old members' data is removed).
   */
  readonly sizes?: { min: number; max: number };
  /** The cluster for one run; `members` asks for a fresh cluster of that size. */
  acquire(o: AcquireContext & { members?: number }): Promise<ClusterTarget>;
}

/** The record's common part from a target's fields (pure). */
export function clusterRecord(t: { provider: ProviderName; endpoints: string[]; members: TargetMember[]; etcdVersion?: string; tls?: TlsMaterial }, extra: Pick<ClusterRecord, 'etcdBinary' | 'inventory' | 'name'> = {}): ClusterRecord {
  return {
    provider: t.provider,
    members: t.members.length || t.endpoints.length,
    endpoints: t.endpoints,
    ...(t.etcdVersion ? { etcdVersion: t.etcdVersion } : {}),
    tls: t.tls !== undefined,
    memberDetails: t.members,
    ...extra,
  };
}

/**
 * Provider-neutral view of a running etcd cluster. Every provider (local, docker, ssh, external) returns a
 * ClusterHandle, so the run orchestration never needs to know how the members were started.
 */

export type ProviderName = 'local' | 'docker' | 'ssh' | 'external';

export interface MemberInfo {
  /** etcd member name, e.g. `etcd-1`. */
  name: string;
  /** URL clients (and agents) talk to, e.g. `http://127.0.0.1:40123`. */
  clientUrl: string;
  /** URL the other members replicate through. */
  peerUrl: string;
  /** OS process id, when the provider started a process on this machine. */
  pid?: number;
  /** Member data directory, when the provider knows it. */
  dataDir?: string;
  /** File holding the member's stdout and stderr, when there is one. */
  logFile?: string;
}

export interface ClusterHandle {
  provider: ProviderName;
  members: MemberInfo[];
  /** Client URLs of all members, in member order. */
  clientEndpoints: string[];
  /** Server version reported by the cluster (GET /version), when known. */
  etcdVersion?: string;
  /** Stops every member and waits until they are gone. Safe to call more than once. */
  stop(): Promise<void>;
  /** leave it running (for --keep) */
  detach(): void;
}

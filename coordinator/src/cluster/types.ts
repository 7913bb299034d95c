/** A member as the providers describe it (cluster commands and the local provider). */

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


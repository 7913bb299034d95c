import type { ResolvedHost } from '@etcdlab/common';

/**
 * The SSH layer's contract (coordinator/src/ssh). Remote commands are given as argv arrays and quoted by
 * the layer (never a shell string assembled from inventory values), so a host name or path can never
 * inject a command. One connection per host; at most `maxSessions` channels at once on it (OpenSSH
 * allows 10 sessions per connection: each exec and each sftp counts).
 */
export interface ExecResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Bytes to write to the command's stdin, then close it. */
  stdin?: string | Buffer;
  /** Kill the channel after this long (default 120 s) and fail with the step named. */
  timeoutMs?: number;
  /** Extra environment for this command (set with `env` in the quoted argv, not the SSH env request). */
  env?: Record<string, string>;
}

export interface RemoteHost {
  readonly host: ResolvedHost;
  /** Runs argv (quoted safely) and resolves with its exit status; never rejects on a non-zero status. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero status rejects with a RemoteStepError naming host and step. */
  run(step: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Uploads a local file or bytes over SFTP to a temp name, sets the mode, then renames into place (atomic). */
  upload(source: string | Buffer, remotePath: string, mode: number): Promise<void>;
  readFile(remotePath: string): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** known_hosts files to check, in order (the project's own first, then ~/.ssh/known_hosts). */
  knownHostsFiles: string[];
  /** Record unknown hosts in the first knownHostsFiles entry instead of refusing them. */
  acceptNew: boolean;
  maxSessions?: number;
}

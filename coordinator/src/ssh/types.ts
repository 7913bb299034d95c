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
  /** Run in this remote directory (`cd -- DIR &&` before the command). */
  cwd?: string;
  /**
   * Values that must never be logged (tokens, keys): replaced by *** in every log line and error message
   * about this command (argv, stdout and stderr tails). Env values and stdin are never logged anyway.
   */
  secrets?: readonly string[];
}

/** A remote command whose stdin/stdout/stderr are streams (interactive use, e.g. clock pings, log follow). */
export interface RemoteProcess {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Settles when the command ends (exit status, or the signal that ended it); never rejects. */
  done: Promise<{ code: number; signal?: string }>;
  /** Ends the channel (the remote command gets EOF/SIGPIPE; a signal request is sent first). */
  close(): void;
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
  /** Starts argv with streams; holds one of the connection's channel slots until it ends. */
  spawn(argv: readonly string[], opts?: Omit<ExecOptions, 'stdin' | 'timeoutMs'>): Promise<RemoteProcess>;
  /** How the host key was verified when this connection was made. */
  readonly hostKey: HostKeyInfo;
  close(): Promise<void>;
}

/** The outcome of host key verification for a connection (also for its jump host). */
export interface HostKeyInfo {
  /** e.g. ssh-ed25519 */
  type: string;
  /** SHA256:base64 as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** known: matched a line; recorded: unknown and recorded because of acceptNew. */
  status: 'known' | 'recorded';
  /** The known_hosts file and line that matched, or the file it was recorded in. */
  file: string;
  line: number;
  jump?: HostKeyInfo;
}

export interface ConnectOptions {
  /** known_hosts files to check, in order (the project's own first, then ~/.ssh/known_hosts). */
  knownHostsFiles: string[];
  /** Record unknown hosts in the first knownHostsFiles entry instead of refusing them. */
  acceptNew: boolean;
  /** Channels open at once on the connection (default 8, at most 10: OpenSSH's MaxSessions). */
  maxSessions?: number;
  /** Connect (TCP + handshake + auth) timeout; default the host's ssh.connectTimeout, else 10 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive interval (default 15 s); the connection is dropped after 4 unanswered. */
  keepaliveIntervalMs?: number;
  /** Values redacted from every log line and error of this connection (tokens). */
  secrets?: readonly string[];
}

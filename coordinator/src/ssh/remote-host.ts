import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ResolvedHost } from '@etcdlab/common';
import { ErrorCodes } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { describeHost, RemoteStepError } from './errors.js';
import { endClient, type JumpLease } from './jump-pool.js';
import { Limiter } from './limiter.js';
import { buildCommand, shJoin } from './quote.js';
import { type Redact, redactArgv, redactor, tail } from './redact.js';
import type { ExecOptions, ExecResult, HostKeyInfo, RemoteHost, RemoteProcess } from './types.js';

const DEFAULT_TIMEOUT_MS = 120_000;
/** Output kept per stream; beyond it the rest is dropped (a step's output is for errors and parsing). */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

export interface RemoteHostParts {
  host: ResolvedHost;
  client: Client;
  /** The jump host's connection (perhaps shared with other hosts), released with this one. */
  jump?: JumpLease;
  hostKey: HostKeyInfo;
  maxSessions: number;
  logger: Logger;
  secrets?: readonly string[];
}

/** One SSH connection to one host, with its channel limiter; see types.ts for the contract. */
export class SshRemoteHost implements RemoteHost {
  readonly host: ResolvedHost;
  readonly hostKey: HostKeyInfo;
  private readonly client: Client;
  private readonly jump: JumpLease | undefined;
  private readonly onJumpError: (err?: Error) => void;
  private readonly onJumpClose: () => void;
  private readonly limiter: Limiter;
  private readonly log: Logger;
  private readonly secrets: readonly string[];
  private lost: Error | undefined;
  private closing = false;

  constructor(p: RemoteHostParts) {
    this.host = p.host;
    this.hostKey = p.hostKey;
    this.client = p.client;
    this.jump = p.jump;
    this.limiter = new Limiter(p.maxSessions);
    this.log = p.logger;
    this.secrets = p.secrets ?? [];
    const onGone = (why: string) => (err?: Error) => {
      if (this.closing || this.lost) return;
      this.lost = err ?? new Error(why);
      this.log.warn({ err: this.lost.message }, 'ssh connection lost');
    };
    this.client.on('error', onGone('connection error'));
    this.client.on('close', onGone('connection closed'));
    // A shared jump connection outlives this host: its listeners are removed again on close.
    this.onJumpError = onGone('jump host connection error');
    this.onJumpClose = onGone('jump host connection closed');
    this.jump?.client.on('error', this.onJumpError).on('close', this.onJumpClose);
  }

  /** Channels open right now and waiting for a slot (for tests and debugging). */
  get channels(): { open: number; queued: number } {
    return { open: this.limiter.inUse, queued: this.limiter.queued };
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.execStep(`exec ${path.basename(argv[0] ?? '')}`, argv, opts, false);
  }

  run(step: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.execStep(step, argv, opts, true);
  }

  private async execStep(step: string, argv: readonly string[], opts: ExecOptions, failOnStatus: boolean): Promise<ExecResult> {
    const redact = redactor(this.secrets, opts.secrets);
    // 0 = no limit. Otherwise the remote side enforces it (timeout(1)) and a local backstop 5 s later
    // covers a connection that stops answering.
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const command = buildCommand(argv, {
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(timeoutMs > 0 ? { timeoutS: Math.ceil(timeoutMs / 1000) } : {}),
    });
    const logged = { step, argv: redactArgv(argv, redact), ...(opts.env ? { env: Object.keys(opts.env) } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) };
    const started = Date.now();
    this.log.debug(logged, 'exec');
    const result = await this.limiter.with(async () => {
      const channel = await this.openExec(step, command, redact);
      return collect(channel, opts.stdin, timeoutMs > 0 ? timeoutMs + 5000 : 0);
    });
    const ms = Date.now() - started;
    // The channel closed without an exit status because the connection went away mid-command.
    if (result.code === -1 && !result.signal) {
      // ssh2 closes the channels before it reports the connection closed: give that a moment.
      if (!this.lost) await new Promise((r) => setTimeout(r, 50));
      if (this.lost) throw this.lostError(step);
    }
    // timeout(1) exits 124 (TERM worked) or 137 (KILL needed); a command may exit so itself, hence the clock.
    const remoteTimeout = timeoutMs > 0 && (result.code === 124 || result.code === 137) && result.elapsedMs >= Math.ceil(timeoutMs / 1000) * 1000 - 50;
    if (result.timedOut || remoteTimeout) {
      this.log.warn({ ...logged, ms }, 'exec timed out');
      throw new RemoteStepError({ host: this.host.name, step, message: `did not finish within ${timeoutMs} ms (${shown(argv, redact)})`, result: redactResult(result, redact) });
    }
    this.log.debug({ step, code: result.code, ...(result.signal ? { signal: result.signal } : {}), ms }, 'exec done');
    if (failOnStatus && result.code !== 0) {
      const why = tail(result.stderr || result.stdout, redact, 1500);
      this.log.warn({ step, code: result.code, stderr: why }, 'step failed');
      throw new RemoteStepError({
        host: this.host.name,
        step,
        message: `${shown(argv, redact)} exited with ${result.signal ? `signal ${result.signal}` : `status ${result.code}`}${why ? `: ${why}` : ''}`,
        result: redactResult(result, redact),
      });
    }
    return { code: result.code, ...(result.signal ? { signal: result.signal } : {}), stdout: result.stdout, stderr: result.stderr };
  }

  private openExec(step: string, command: string, redact: Redact): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lostError(step));
      try {
        this.client.exec(command, (err, channel) => {
          if (err) reject(this.lost ? this.lostError(step) : new RemoteStepError({ host: this.host.name, step, message: `cannot open a channel: ${redact(err.message)}`, cause: err }));
          else resolve(channel);
        });
      } catch (err) {
        reject(this.lostError(step, err as Error));
      }
    });
  }

  private lostError(step: string, err?: Error): RemoteStepError {
    const why = (err ?? this.lost)?.message ?? 'not connected';
    return new RemoteStepError({ host: this.host.name, step, code: ErrorCodes.sshConnectionLost, message: `the SSH connection to ${describeHost({ name: this.host.name, address: this.host.address, port: this.host.ssh.port, user: this.host.ssh.user })} is gone (${why})` });
  }

  async spawn(argv: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'timeoutMs'> = {}): Promise<RemoteProcess> {
    const redact = redactor(this.secrets, opts.secrets);
    const step = `spawn ${path.basename(argv[0] ?? '')}`;
    const command = buildCommand(argv, { ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
    this.log.debug({ step, argv: redactArgv(argv, redact), ...(opts.env ? { env: Object.keys(opts.env) } : {}) }, 'spawn');
    const release = await this.limiter.acquire();
    let channel: ClientChannel;
    try {
      channel = await this.openExec(step, command, redact);
    } catch (err) {
      release();
      throw err;
    }
    const done = new Promise<{ code: number; signal?: string }>((resolve) => {
      let code = -1;
      let signal: string | undefined;
      channel.on('exit', (c: number | null, s?: string) => {
        code = c ?? -1;
        if (s) signal = s;
      });
      // As in collect(): the exit status may have been parsed before this listener existed; 'close' repeats it.
      channel.on('close', (c?: number | null, sig?: string) => {
        if (code === -1 && typeof c === 'number') code = c;
        if (!signal && sig) signal = sig;
        release();
        resolve({ code, ...(signal ? { signal } : {}) });
      });
    });
    return {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      done,
      close: () => {
        try {
          channel.signal('KILL');
        } catch {
          /* the server may not support signals */
        }
        channel.close();
      },
    };
  }

  async upload(source: string | Buffer, remotePath: string, mode: number): Promise<void> {
    const step = `upload ${remotePath}`;
    const tmp = `${remotePath}.etcdlab-${randomBytes(6).toString('hex')}.tmp`;
    const started = Date.now();
    this.log.debug({ step, source: typeof source === 'string' ? source : `${source.length} bytes`, mode: mode.toString(8) }, 'upload');
    await this.withSftp(step, async (sftp) => {
      try {
        // Created owner-only, so a secret is never readable by others, even in the temp file.
        await p<void>((cb) => sftp.open(tmp, 'w', { mode: 0o600 }, (err, handle) => (err ? cb(err) : sftp.close(handle, cb))));
        if (typeof source === 'string') await p<void>((cb) => sftp.fastPut(source, tmp, { concurrency: 32 }, cb));
        else await p<void>((cb) => sftp.writeFile(tmp, source, { mode: 0o600 }, cb));
        await p<void>((cb) => sftp.chmod(tmp, mode, cb));
        await p<void>((cb) => sftp.ext_openssh_rename(tmp, remotePath, cb));
      } catch (err) {
        await p<void>((cb) => sftp.unlink(tmp, () => cb(undefined))).catch(() => undefined);
        throw err;
      }
    });
    this.log.debug({ step, ms: Date.now() - started }, 'upload done');
  }

  async readFile(remotePath: string): Promise<Buffer> {
    return this.withSftp(`read ${remotePath}`, (sftp) => p<Buffer>((cb) => sftp.readFile(remotePath, cb)));
  }

  private withSftp<T>(step: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.limiter.with(async () => {
      if (this.lost) throw this.lostError(step);
      const sftp = await p<SFTPWrapper>((cb) => this.client.sftp(cb)).catch((err: Error) => {
        throw this.lost ? this.lostError(step) : new RemoteStepError({ host: this.host.name, step, message: `cannot start SFTP: ${err.message}`, cause: err });
      });
      try {
        return await fn(sftp);
      } catch (err) {
        if (err instanceof RemoteStepError) throw err;
        throw this.lost ? this.lostError(step) : new RemoteStepError({ host: this.host.name, step, message: sftpMessage(err as Error), cause: err });
      } finally {
        sftp.end();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await endClient(this.client);
    this.jump?.client.off('error', this.onJumpError).off('close', this.onJumpClose);
    await this.jump?.release();
    this.log.debug('ssh connection closed');
  }
}

/** SFTP status codes as words a user understands. */
function sftpMessage(err: Error & { code?: number }): string {
  const codes: Record<number, string> = { 2: 'no such file or directory', 3: 'permission denied', 4: 'failure', 8: 'operation unsupported' };
  return err.code !== undefined && codes[err.code] ? `${codes[err.code]} (${err.message})` : err.message;
}

const p = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

interface Collected extends ExecResult {
  timedOut: boolean;
  /** From the channel's opening (queueing for a slot excluded). */
  elapsedMs: number;
}

function collect(channel: ClientChannel, stdin: string | Buffer | undefined, backstopMs: number): Promise<Collected> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let code = -1;
    let signal: string | undefined;
    let timedOut = false;
    channel.on('data', (d: Buffer) => {
      if ((outBytes += d.length) <= MAX_OUTPUT_BYTES) out.push(d);
    });
    channel.stderr.on('data', (d: Buffer) => {
      if ((errBytes += d.length) <= MAX_OUTPUT_BYTES) err.push(d);
    });
    channel.on('exit', (c: number | null, s?: string) => {
      code = c ?? -1;
      if (s) signal = s;
    });
    const done = () => {
      clearTimeout(timer);
      resolve({ code, ...(signal ? { signal } : {}), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut, elapsedMs: Date.now() - t0 });
    };
    // The backstop: the server did not end the command in time (connection hung): give up on the channel.
    const timer =
      backstopMs > 0
        ? setTimeout(() => {
            timedOut = true;
            channel.close();
            done();
          }, backstopMs)
        : undefined;
    // ssh2 may parse exit-status before these listeners exist (all packets in one read): 'close' repeats it.
    channel.on('close', (c?: number | null, sig?: string) => {
      if (code === -1 && typeof c === 'number') code = c;
      if (!signal && sig) signal = sig;
      done();
    });
    if (stdin !== undefined) channel.end(stdin);
    else channel.end();
  });
}

/** The command for messages: redacted, long scripts cut (the log has the whole argv). */
function shown(argv: readonly string[], redact: Redact): string {
  const line = shJoin(redactArgv(argv, redact));
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const redactResult = (r: ExecResult, redact: Redact): ExecResult => ({ ...r, stdout: redact(r.stdout), stderr: redact(r.stderr) });

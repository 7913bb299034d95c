/**
 * Starts a real single-member etcd for integration tests: free loopback ports, its own temp data dir,
 * readiness via the plain-HTTP metrics listener's /health (works for TLS members too), and cleanup.
 * A missing etcd binary is a hard failure with a fix, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MemberTls {
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  clientCertAuth: boolean;
}

export interface EtcdMemberOptions {
  tls?: MemberTls;
  /** Extra etcd flags, e.g. ['--max-request-bytes', '1048576']. */
  extraArgs?: string[];
  /** How long to wait for /health (default 30 s). */
  readyTimeoutMs?: number;
}

const DEFAULT_ETCD_BIN = '/usr/bin/etcd';
const STDERR_TAIL_BYTES = 16 * 1024;

// Members still running when the test process exits (a crash, a timed-out hook) are killed, not leaked.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** $ETCD_BIN or /usr/bin/etcd; throws with the fix when neither exists. */
export function findEtcdBinary(): string {
  const bin = process.env.ETCD_BIN || DEFAULT_ETCD_BIN;
  if (!existsSync(bin)) {
    throw new Error(
      `etcd binary not found at ${bin}. Integration tests need a real etcd 3.4+: install Debian's etcd-server ` +
        `package (apt-get install etcd-server) or set ETCD_BIN to the path of an etcd binary.`,
    );
  }
  return bin;
}

/** etcdctl next to the etcd binary (or $ETCDCTL_BIN). */
export function findEtcdctlBinary(): string {
  const bin = process.env.ETCDCTL_BIN || join(findEtcdBinary(), '..', 'etcdctl');
  if (!existsSync(bin)) throw new Error(`etcdctl not found at ${bin}: install etcd-client or set ETCDCTL_BIN`);
  return bin;
}

/** A free loopback port, found by binding port 0 (the OS picks one), then releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Environment for etcd/etcdctl children: etcd reads ETCD_* / ETCDCTL_* variables, so none leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD')) env[k] = v;
  return { ...env, ...extra };
}

export class EtcdMember {
  private proc: ChildProcess | undefined;
  private stderrTail = '';

  private constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly metricsPort: number,
    private readonly opts: EtcdMemberOptions,
  ) {}

  /** Starts a fresh member and waits until it reports healthy. */
  static async start(opts: EtcdMemberOptions = {}): Promise<EtcdMember> {
    const bin = findEtcdBinary();
    const dataDir = await mkdtemp(join(tmpdir(), 'etcdlab-etcd-'));
    const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
    const member = new EtcdMember(bin, dataDir, client, peer, metrics, opts);
    try {
      await member.restart();
    } catch (err) {
      await member.destroy();
      throw err;
    }
    return member;
  }

  get clientUrl(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** (Re)starts the process on the same ports and data dir, then waits for /health. */
  async restart(): Promise<void> {
    if (this.proc) throw new Error('etcd member is already running');
    const peerUrl = `http://127.0.0.1:${this.peerPort}`;
    const tlsArgs = this.opts.tls
      ? ['--cert-file', this.opts.tls.certFile, '--key-file', this.opts.tls.keyFile, '--trusted-ca-file', this.opts.tls.trustedCaFile]
          .concat(this.opts.tls.clientCertAuth ? ['--client-cert-auth'] : [])
      : [];
    const args = [
      '--name', 'm1',
      '--data-dir', this.dataDir,
      '--listen-client-urls', this.clientUrl,
      '--advertise-client-urls', this.clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `m1=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', `etcdlab-test-${this.clientPort}`,
      '--listen-metrics-urls', `http://127.0.0.1:${this.metricsPort}`,
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'warn',
      ...tlsArgs,
      ...(this.opts.extraArgs ?? []),
    ];
    const proc = spawn(this.bin, args, { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    running.add(proc);
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL_BYTES);
    });
    proc.once('exit', () => {
      running.delete(proc);
      if (this.proc === proc) this.proc = undefined;
    });
    await this.waitHealthy(this.opts.readyTimeoutMs ?? 30_000);
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing (a hung member). */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  unpause(): void {
    this.proc?.kill('SIGCONT');
  }

  /** Stops the process (SIGTERM, SIGKILL after 5 s), keeping the data dir for restart(). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      this.proc = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT'); // a paused process cannot act on SIGTERM
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    this.proc = undefined;
  }

  /** Stops the member and removes its data dir. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Last lines etcd wrote to stderr, for failure messages. */
  logTail(): string {
    return this.stderrTail;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const url = `http://127.0.0.1:${this.metricsPort}/health`;
    const until = Date.now() + timeoutMs;
    let last = 'no answer yet';
    // Bounded by the timeout; each probe has its own 1 s limit.
    while (Date.now() < until) {
      if (!this.proc) throw new Error(`etcd exited before becoming healthy:\n${this.stderrTail}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
        last = JSON.stringify(body);
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`etcd at ${this.clientUrl} not healthy after ${timeoutMs} ms (${last}):\n${this.stderrTail}`);
  }
}

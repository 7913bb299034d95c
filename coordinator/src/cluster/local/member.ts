/**
 * One etcd member as a child process: its command line, spawning it, and stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Logger } from 'pino';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import type { MemberInfo } from '../types.js';
import { LOOPBACK } from './ports.js';
import { signalGroup, sleep } from './processes.js';

export interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  /** A link proxy in front of the peer (client) listener: what the member advertises (link-proxy.ts). */
  peerProxyPort?: number;
  clientProxyPort?: number;
  dataDir: string;
  logFile: string;
}

export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  error?: Error;
}

export interface LiveMember {
  info: MemberInfo;
  child: ChildProcess;
  /** Resolves once the process is gone (reaped), or failed to spawn. */
  exited: Promise<MemberExit>;
  /** Set as soon as `exited` resolves, for synchronous checks while polling. */
  exit?: MemberExit;
}

export const clientUrlOf = (port: number): string => `http://${LOOPBACK}:${port}`;
export const peerUrlOf = (port: number): string => `http://${LOOPBACK}:${port}`;

/** `name=peerUrl,...` for --initial-cluster: a static bootstrap, no discovery service needed. */
export function initialClusterFlag(specs: MemberSpec[]): string {
  return specs.map((s) => `${s.name}=${peerUrlOf(s.peerProxyPort ?? s.peerPort)}`).join(',');
}

/** The etcd flags for one member. `--flag=value` form so the data dir is one argv entry (see state.ts). */
export function memberArgs(spec: MemberSpec, initialCluster: string, clusterToken: string): string[] {
  const client = clientUrlOf(spec.clientPort);
  const peer = peerUrlOf(spec.peerPort);
  return [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${clientUrlOf(spec.clientProxyPort ?? spec.clientPort)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peerUrlOf(spec.peerProxyPort ?? spec.peerPort)}`,
    `--initial-cluster=${initialCluster}`,
    `--initial-cluster-token=${clusterToken}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

/**
 * etcd reads every ETCD_* variable as a flag (ETCD_NAME, ETCD_DATA_DIR, ...), so an inherited one could silently
 * change a member; members get the environment without them. ETCD_UNSUPPORTED_ARCH is kept: etcd 3.4 refuses
 * to start on e.g. arm64 without it.
 */
export function memberEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ETCD_') || k === 'ETCD_UNSUPPORTED_ARCH'));
}

/**
 * Spawns a member detached (own session and process group): a Ctrl-C in the terminal goes to the foreground
 * group only, so the coordinator can stop members in order. stdout+stderr go straight to the log file through
 * a file descriptor (no pipe through us), so a kept member keeps logging after the coordinator exits.
 */
export function spawnMember(bin: string, spec: MemberSpec, args: string[], env: NodeJS.ProcessEnv): LiveMember {
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const member: LiveMember = {
    info: {
      name: spec.name,
      clientUrl: clientUrlOf(spec.clientPort),
      peerUrl: peerUrlOf(spec.peerPort),
      dataDir: spec.dataDir,
      logFile: spec.logFile,
      ...(child.pid !== undefined ? { pid: child.pid } : {}),
    },
    child,
    exited: new Promise<MemberExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // 'error' without a pid means the spawn itself failed (no 'exit' follows).
      child.once('error', (error) => {
        if (child.pid === undefined || child.exitCode !== null) resolve({ code: null, signal: null, error });
      });
    }),
  };
  void member.exited.then((e) => (member.exit = e));
  return member;
}

export function describeExit(e: MemberExit): string {
  if (e.error) return `could not be started: ${e.error.message}`;
  if (e.signal) return `was killed by ${e.signal}`;
  return `exited with code ${e.code}`;
}

const timeout = (ms: number) => sleep(ms).then(() => 'timeout' as const);

/** SIGTERM (etcd shuts down cleanly), SIGKILL after `graceMs`, then waits until the process is reaped. */
export async function terminateMember(m: LiveMember, log: Logger, graceMs = 10_000): Promise<void> {
  const pid = m.info.pid;
  if (m.exit !== undefined || pid === undefined) {
    await m.exited;
    return;
  }
  const started = Date.now();
  log.info({ member: m.info.name, pid }, 'sending SIGTERM');
  signalGroup(pid, 'SIGTERM');
  if ((await Promise.race([m.exited, timeout(graceMs)])) === 'timeout') {
    log.warn({ member: m.info.name, pid, graceMs }, 'member did not stop in time; sending SIGKILL');
    signalGroup(pid, 'SIGKILL');
    if ((await Promise.race([m.exited, timeout(10_000)])) === 'timeout') {
      throw new ClusterError(ErrorCodes.clusterUnhealthy, `member ${m.info.name} (pid ${pid}) is still running after SIGKILL`);
    }
  }
  // Anything else the member's process group forked (a wrapper script's children) goes with it.
  signalGroup(pid, 'SIGKILL');
  log.info({ member: m.info.name, pid, exit: m.exit, elapsedMs: Date.now() - started }, 'member stopped');
}

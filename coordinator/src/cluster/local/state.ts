/**
 * `<dir>/cluster.json`: what a local cluster consists of (pids, urls, data dirs, logs), written when members
 * are spawned so a kept cluster, or one whose coordinator died, can be stopped later by `etcdlab cluster down`.
 */
import { readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import { isLeader } from './health.js';
import { isPidAlive, readCmdline, signalPid, waitForPidGone } from './processes.js';

export const CLUSTER_STATE_FILE = 'cluster.json';

export interface ClusterStateMember {
  name: string;
  pid: number;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
}

export interface ClusterState {
  format: 1;
  provider: 'local';
  /** starting: spawned, not yet healthy; running: healthy; stopped: stopped by etcdlab; failed: start failed, members stopped. */
  status: 'starting' | 'running' | 'stopped' | 'failed';
  createdAt: string;
  updatedAt: string;
  etcdBin: string;
  etcdVersion?: string;
  clusterToken: string;
  members: ClusterStateMember[];
}

export function clusterStatePath(dir: string): string {
  return path.join(path.resolve(dir), CLUSTER_STATE_FILE);
}

/** Writes the state atomically (temp file + rename) so a reader never sees half a file. */
export async function writeClusterState(dir: string, state: ClusterState): Promise<void> {
  const file = clusterStatePath(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  await rename(tmp, file);
}

const RUN_DIR_FIX =
  'point --run-dir at the folder of a run that started a local cluster (kept with --keep); it must contain the cluster.json etcdlab wrote';

function invalid(file: string, message: string): InputError {
  return new InputError(ErrorCodes.runDirInvalid, `${file}: ${message}`, [{ file, message, fix: RUN_DIR_FIX }]);
}

/** Reads and checks `<dir>/cluster.json`; missing or malformed -> InputError E_RUN_DIR_INVALID. */
export async function readClusterState(dir: string): Promise<ClusterState> {
  const file = clusterStatePath(dir);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(file, code === 'ENOENT' ? 'no cluster state file here' : `cannot read the cluster state file (${code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw invalid(file, 'the cluster state file is not valid JSON');
  }
  const d = data as Partial<ClusterState> | null;
  if (typeof d !== 'object' || d === null || d.provider !== 'local' || !Array.isArray(d.members)) {
    throw invalid(file, 'not a local cluster state file (expected provider "local" and a members list)');
  }
  for (const [i, m] of d.members.entries()) {
    const ok =
      typeof m === 'object' && m !== null &&
      typeof m.name === 'string' && Number.isInteger(m.pid) && m.pid > 1 &&
      typeof m.clientUrl === 'string' && typeof m.peerUrl === 'string' &&
      typeof m.dataDir === 'string' && path.isAbsolute(m.dataDir) && typeof m.logFile === 'string';
    if (!ok) throw invalid(file, `members[${i}] is incomplete (needs name, pid, clientUrl, peerUrl, absolute dataDir, logFile)`);
  }
  return d as ClusterState;
}

export type MemberStopOutcome = 'stopped' | 'killed' | 'not-running' | 'pid-reused';

export interface StopFromStateResult {
  members: { name: string; pid: number; outcome: MemberStopOutcome }[];
  removedDataDirs: string[];
}

/**
 * A recorded pid is ours only if it is alive and its argv is an etcd started with our data dir: after a reboot
 * or a long time the pid may belong to something else, which must never be signalled.
 */
export async function isOurMember(m: ClusterStateMember): Promise<boolean> {
  const argv = await readCmdline(m.pid);
  if (argv === undefined) return false;
  return argv.some((a) => a.includes('etcd')) && argv.includes(`--data-dir=${m.dataDir}`);
}

async function stopRecordedMember(m: ClusterStateMember, graceMs: number, log: Logger): Promise<MemberStopOutcome> {
  if (!(await isPidAlive(m.pid))) return 'not-running';
  if (!(await isOurMember(m))) {
    log.warn({ member: m.name, pid: m.pid }, 'recorded pid now belongs to another process; not touching it');
    return 'pid-reused';
  }
  log.info({ member: m.name, pid: m.pid }, 'sending SIGTERM');
  if (!signalPid(m.pid, 'SIGTERM')) return 'not-running';
  if (await waitForPidGone(m.pid, graceMs)) return 'stopped';
  log.warn({ member: m.name, pid: m.pid, graceMs }, 'member did not stop in time; sending SIGKILL');
  signalPid(m.pid, 'SIGKILL');
  if (await waitForPidGone(m.pid, 10_000)) return 'killed';
  throw new ClusterError(ErrorCodes.clusterUnhealthy, `member ${m.name} (pid ${m.pid}) is still running after SIGKILL`);
}

/** True when `child` is `parent` or inside it: data dirs are only removed inside the cluster folder. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Stops the members recorded in `<dir>/cluster.json` (and optionally deletes their data). Idempotent. */
export async function stopClusterFromState(
  dir: string,
  opts: { removeData: boolean; logger: Logger; stopTimeoutMs?: number },
): Promise<StopFromStateResult> {
  const root = path.resolve(dir);
  const log = opts.logger.child({ component: 'local-cluster', dir: root });
  const state = await readClusterState(root);
  log.info({ members: state.members.length, status: state.status }, 'stopping cluster from state file');

  // Followers first, the leader last (see isLeader): avoids a leadership hand-over that cannot complete.
  const leaders = await Promise.all(state.members.map((m) => isLeader(m.clientUrl)));
  const outcomes: MemberStopOutcome[] = [];
  for (const wantLeader of [false, true]) {
    await Promise.all(
      state.members.map(async (m, i) => {
        if (leaders[i] !== wantLeader) return;
        outcomes[i] = await stopRecordedMember(m, opts.stopTimeoutMs ?? 10_000, log);
        log.info({ member: m.name, pid: m.pid, outcome: outcomes[i] }, 'member handled');
      }),
    );
  }
  const members = state.members.map((m, i) => ({ name: m.name, pid: m.pid, outcome: outcomes[i] as MemberStopOutcome }));

  const removedDataDirs: string[] = [];
  if (opts.removeData) {
    for (const m of state.members) {
      if (!isInside(root, m.dataDir)) {
        log.warn({ member: m.name, dataDir: m.dataDir }, 'data dir is outside the cluster folder; not removing it');
        continue;
      }
      await rm(m.dataDir, { recursive: true, force: true });
      const memberDir = path.dirname(m.dataDir);
      if (memberDir !== root) await rmdir(memberDir).catch(() => undefined); // the etcd-i folder, if now empty
      removedDataDirs.push(m.dataDir);
      log.info({ member: m.name, dataDir: m.dataDir }, 'data dir removed');
    }
  }

  await writeClusterState(root, { ...state, status: 'stopped' });
  log.info({ outcomes: members.map((m) => `${m.name}:${m.outcome}`) }, 'cluster down');
  return { members, removedDataDirs };
}

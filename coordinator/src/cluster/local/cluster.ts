/**
 * The `local` provider: an N-member etcd cluster as child processes on this machine, on loopback ports.
 * Either startLocalCluster returns a healthy cluster, or it throws with nothing left running.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import type { MemberInfo } from '../types.js';
import { checkEtcdBinary, findEtcdBinary } from './etcd-binary.js';
import { isLeader, probeHealth, readServerVersion } from './health.js';
import {
  clientUrlOf, describeExit, initialClusterFlag, memberArgs, memberEnv, spawnMember, terminateMember,
  type LiveMember, type MemberSpec,
} from './member.js';
import type { MemberFaults } from '../member-faults.js';
import { localMemberFaults } from './member-faults.js';
import { type LinkProxy, startLinkProxy } from './link-proxy.js';
import { LinkTable } from './link-table.js';
import { memberIds } from './member-ids.js';
import { pickMemberPorts } from './ports.js';
import { signalGroup, sleep, tailFile } from './processes.js';
import { writeClusterState, type ClusterState } from './state.js';

/** A local cluster this process started (the local provider's ClusterSource wraps it for runs). */
export interface LocalCluster {
  members: MemberInfo[];
  /** Client URLs of all members, in member order. */
  clientEndpoints: string[];
  /** Server version reported by the cluster (GET /version), when known. */
  etcdVersion?: string;
  /** Stops every member and waits until they are gone. Safe to call more than once. */
  stop(): Promise<void>;
  /** leave it running (for --keep) */
  detach(): void;
  /** Faults on purpose: signals to the members, a member started again (docs/faults.md). */
  faults: MemberFaults;
}

export const MIN_MEMBERS = 1;
export const MAX_MEMBERS = 7;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const HEALTH_POLL_MS = 200;
const LOG_TAIL_LINES = 20;

export interface LocalClusterOptions {
  /** Number of members, 1..7 (--members). */
  members: number;
  /** The run's cluster folder: member data dirs, logs and cluster.json go here. */
  dir: string;
  /** etcd binary to run (--etcd-bin); default: ETCD_BIN, else etcd on PATH. */
  etcdBin?: string;
  /** Fixed ports from here (--base-port); default: free ports chosen by the kernel. */
  basePort?: number;
  /** --initial-cluster-token; default: unique per run, so members of different runs never join each other. */
  clusterToken?: string;
  logger: Logger;
  /** How long all members get to report healthy (default 30 s). */
  startTimeoutMs?: number;
  /** Aborting (e.g. on Ctrl-C) during startup stops the members already started. */
  signal?: AbortSignal;
  /** Link proxies in front of the members' peer and/or client listeners, for link faults (docs/faults.md). */
  links?: { peer: boolean; client: boolean };
}

function validate(opts: LocalClusterOptions): void {
  if (!Number.isInteger(opts.members) || opts.members < MIN_MEMBERS || opts.members > MAX_MEMBERS) {
    throw new InputError(ErrorCodes.optionInvalid, `--members ${opts.members} is out of range`, [
      {
        field: '--members',
        message: `a local cluster has ${MIN_MEMBERS} to ${MAX_MEMBERS} members, got ${opts.members}`,
        fix: `pass --members between ${MIN_MEMBERS} and ${MAX_MEMBERS} (odd sizes such as 1, 3 or 5 tolerate failures best)`,
      },
    ]);
  }
  const t = opts.startTimeoutMs;
  if (t !== undefined && (!Number.isFinite(t) || t <= 0)) {
    throw new InputError(ErrorCodes.optionInvalid, `start timeout ${t} ms is invalid`, [
      { field: 'startTimeoutMs', message: 'must be a positive number of milliseconds', fix: 'pass a positive timeout, e.g. 30000' },
    ]);
  }
}

/** A member data dir left from an earlier cluster would make etcd ignore our bootstrap flags, so refuse it. */
async function ensureFreshDataDirs(specs: MemberSpec[]): Promise<void> {
  for (const s of specs) {
    const entries = await readdir(s.dataDir).catch(() => []);
    if (entries.length > 0) {
      throw new InputError(ErrorCodes.runDirInvalid, `${s.dataDir} already holds etcd data`, [
        {
          file: s.dataDir,
          message: 'a new cluster needs empty member data dirs, but this one is from an earlier cluster',
          fix: 'use a new run folder, or stop and remove the old cluster with `etcdlab cluster down --run-dir <dir>` (removing data)',
        },
      ]);
    }
  }
}

async function startFailure(m: LiveMember, reason: string): Promise<ClusterError> {
  const logFile = m.info.logFile ?? '';
  const tail = (await tailFile(logFile, LOG_TAIL_LINES)) || '(log is empty)';
  return new ClusterError(
    ErrorCodes.memberStartFailed,
    `etcd member ${m.info.name} ${reason}; last ${LOG_TAIL_LINES} lines of ${logFile}:\n${tail}`,
    { problems: [{ file: logFile, message: `${m.info.name} ${reason}`, fix: 'read the member log for the cause (bad flag, port taken, unusable data dir)' }] },
  );
}

/** Polls GET /health on every member until all say "true"; fails fast when a member exits. */
async function waitHealthy(members: LiveMember[], exitOrder: LiveMember[], timeoutMs: number, log: Logger, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const healthy = new Set<string>();
  const lastDetail = new Map<string, string>();
  const anyExit = Promise.race(members.map((m) => m.exited));
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  for (;;) {
    const dead = exitOrder[0];
    if (dead?.exit) throw await startFailure(dead, `${describeExit(dead.exit)} during startup`);
    if (signal?.aborted) throw new ClusterError(ErrorCodes.runAborted, 'cluster start aborted');

    const pending = members.filter((m) => !healthy.has(m.info.name));
    const results = await Promise.all(pending.map((m) => probeHealth(m.info.clientUrl)));
    pending.forEach((m, i) => {
      const r = results[i];
      if (r?.healthy) {
        healthy.add(m.info.name);
        log.info({ member: m.info.name, elapsedMs: timeoutMs - (deadline - Date.now()) }, 'member healthy');
      } else if (r) lastDetail.set(m.info.name, r.detail);
    });
    if (healthy.size === members.length) return;

    if (Date.now() >= deadline) {
      const first = members.find((m) => !healthy.has(m.info.name)) as LiveMember;
      const names = members.filter((m) => !healthy.has(m.info.name)).map((m) => m.info.name).join(', ');
      throw await startFailure(
        first,
        `was not healthy within ${timeoutMs} ms (unhealthy: ${names}; last /health answer: ${lastDetail.get(first.info.name) ?? 'none'})`,
      );
    }
    await Promise.race([sleep(HEALTH_POLL_MS), anyExit, aborted]);
  }
}

/** Starts the cluster and returns once every member is healthy; on failure nothing is left running. */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  validate(opts);
  if (opts.signal?.aborted) throw new ClusterError(ErrorCodes.runAborted, 'cluster start aborted');
  const started = Date.now();
  const root = path.resolve(opts.dir);
  const log = opts.logger.child({ component: 'local-cluster', dir: root });

  const bin =
    opts.etcdBin !== undefined
      ? { path: await checkEtcdBinary(opts.etcdBin, 'etcdBin'), version: undefined }
      : await findEtcdBinary();
  log.info({ etcdBin: bin.path, version: bin.version }, 'etcd binary');

  const specs: MemberSpec[] = Array.from({ length: opts.members }, (_, i) => ({
    name: `etcd-${i + 1}`,
    clientPort: 0,
    peerPort: 0,
    dataDir: path.join(root, `etcd-${i + 1}`, 'data'),
    logFile: path.join(root, `etcd-${i + 1}.log`),
  }));
  await ensureFreshDataDirs(specs);

  // Ports are checked before anything is created or started, so a conflict leaves no trace.
  const ports = await pickMemberPorts(opts.members, opts.basePort === undefined ? {} : { basePort: opts.basePort });
  specs.forEach((s, i) => Object.assign(s, { clientPort: ports[i]?.client, peerPort: ports[i]?.peer }));
  log.info({ ports, basePort: opts.basePort ?? 'auto' }, 'ports chosen');

  for (const s of specs) await mkdir(s.dataDir, { recursive: true, mode: 0o700 });
  // Proxies first, so that their ports are what the members advertise (and the peers dial).
  const linkTable = opts.links?.peer || opts.links?.client ? new LinkTable() : undefined;
  const nameOfId = new Map<string, string>();
  const proxies: LinkProxy[] = [];
  const closeProxies = async (): Promise<void> => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  };
  if (linkTable) {
    for (const s of specs) {
      for (const kind of ['peer', 'client'] as const) {
        if (!opts.links?.[kind]) continue;
        const p = await startLinkProxy({ member: s.name, kind, targetPort: kind === 'peer' ? s.peerPort : s.clientPort, rules: linkTable, nameOfId: (id) => nameOfId.get(id) });
        proxies.push(p);
        if (kind === 'peer') s.peerProxyPort = p.port;
        else s.clientProxyPort = p.port;
      }
    }
    log.info({ proxies: specs.map((s) => ({ member: s.name, peerProxyPort: s.peerProxyPort, clientProxyPort: s.clientProxyPort })) }, 'link proxies listening');
  }
  const token = opts.clusterToken ?? `etcdlab-${randomUUID()}`;
  const initialCluster = initialClusterFlag(specs);
  const env = memberEnv();

  const members: LiveMember[] = [];
  const exitOrder: LiveMember[] = [];
  const paused = new Set<string>();
  const resumePaused = (): void => {
    for (const m of members) if (paused.has(m.info.name) && m.info.pid !== undefined && !m.exit) signalGroup(m.info.pid, 'SIGCONT');
    paused.clear();
  };
  const stopAll = async (): Promise<void> => {
    resumePaused();
    const running = members.filter((m) => !m.exit);
    const leaders = await Promise.all(running.map((m) => isLeader(m.info.clientUrl)));
    const last = running.filter((_, i) => leaders[i]);
    log.info({ leader: last.map((m) => m.info.name) }, 'stopping followers first, then the leader');
    await Promise.all(running.filter((_, i) => !leaders[i]).map((m) => terminateMember(m, log)));
    await Promise.all(last.map((m) => terminateMember(m, log)));
    await Promise.all(members.map((m) => m.exited)); // includes members that had already exited
  };
  // If the coordinator exits without stop() or detach() (an uncaught error), take the members down with it.
  const onExit = (): void => {
    for (const m of members) {
      if (m.info.pid === undefined || m.exit) continue;
      try {
        signalGroup(m.info.pid, 'SIGKILL');
      } catch {
        // nothing more can be done while exiting
      }
    }
  };
  process.on('exit', onExit);

  const state: ClusterState = {
    format: 1, provider: 'local', status: 'starting',
    createdAt: new Date().toISOString(), updatedAt: '',
    etcdBin: bin.path, clusterToken: token, members: [],
  };
  try {
    for (const s of specs) {
      const args = memberArgs(s, initialCluster, token);
      const m = spawnMember(bin.path, s, args, env);
      members.push(m);
      void m.exited.then(() => exitOrder.push(m));
      log.info({ member: s.name, pid: m.info.pid, clientUrl: m.info.clientUrl, peerUrl: m.info.peerUrl, logFile: s.logFile, args }, 'member spawned');
    }
    // Recorded before waiting, so `cluster down` can clean up even if this process dies during startup.
    state.members = specs.flatMap((s, i) => {
      const info = members[i]?.info;
      return info?.pid === undefined ? [] : [{ name: s.name, pid: info.pid, clientUrl: info.clientUrl, peerUrl: info.peerUrl, dataDir: s.dataDir, logFile: s.logFile }];
    });
    await writeClusterState(root, state);

    log.info({ timeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS }, 'waiting for members to be healthy');
    await waitHealthy(members, exitOrder, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, log, opts.signal);
  } catch (err) {
    log.error({ err }, 'cluster start failed; stopping members already started');
    await stopAll().catch((e: unknown) => log.error({ err: e }, 'stopping members failed'));
    await closeProxies();
    process.off('exit', onExit);
    if (members.length > 0) {
      await writeClusterState(root, { ...state, status: 'failed' }).catch(() => undefined);
    }
    throw err;
  }

  if (linkTable) for (const [name, id] of await memberIds(members.map((m) => ({ name: m.info.name, clientUrl: m.info.clientUrl })))) nameOfId.set(id, name);
  const version = (await readServerVersion(members[0]?.info.clientUrl ?? '')) ?? bin.version;
  Object.assign(state, { status: 'running', ...(version !== undefined ? { etcdVersion: version } : {}) });
  await writeClusterState(root, state);
  log.info({ members: members.length, version, elapsedMs: Date.now() - started }, 'cluster healthy');

  let stopping: Promise<void> | undefined;
  const faults = localMemberFaults({
    members, specs, bin: bin.path, env, log, paused,
    ...(linkTable ? { links: linkTable } : {}),
    argsOf: (spec) => memberArgs(spec, initialCluster, token),
    changed: async () => {
      state.members = members.flatMap((m) => (m.info.pid === undefined ? [] : [{ name: m.info.name, pid: m.info.pid, clientUrl: m.info.clientUrl, peerUrl: m.info.peerUrl, dataDir: m.info.dataDir ?? '', logFile: m.info.logFile ?? '' }]));
      await writeClusterState(root, state);
    },
  });
  return {
    faults,
    members: members.map((m) => ({ ...m.info })),
    // Agents dial the client proxies when there are any; scraping and status go to the members themselves.
    clientEndpoints: specs.map((s, i) => (s.clientProxyPort !== undefined ? clientUrlOf(s.clientProxyPort) : (members[i]?.info.clientUrl ?? ''))),
    ...(version !== undefined ? { etcdVersion: version } : {}),
    stop(): Promise<void> {
      stopping ??= (async () => {
        const t0 = Date.now();
        log.info('stopping cluster');
        await stopAll();
        await closeProxies();
        process.off('exit', onExit);
        await writeClusterState(root, { ...state, status: 'stopped' }).catch((e: unknown) => log.warn({ err: e }, 'could not update cluster.json'));
        log.info({ elapsedMs: Date.now() - t0 }, 'cluster stopped');
      })();
      return stopping;
    },
    detach(): void {
      resumePaused(); // a kept cluster is never left paused
      // Unref'd children no longer keep the event loop alive; they already write to their log files directly.
      for (const m of members) m.child.unref();
      process.off('exit', onExit);
      log.info({ pids: members.map((m) => m.info.pid), stateFile: path.join(root, 'cluster.json') }, 'cluster detached; left running');
    },
  };
}

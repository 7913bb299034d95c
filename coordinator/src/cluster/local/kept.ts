/**
 * A local cluster kept after its run (`quickstart --keep`, `run --keep`) as a ClusterOps, so the
 * `cluster` commands work on it like on docker and ssh clusters: status, test, logs, up (start stopped
 * members again on their data), restart N, down and clean (docs/cluster-local.md). Everything is read
 * from the run's cluster.json; a pid is only signalled when /proc shows it is still our etcd member.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import type { ClusterInfo, ClusterOps, MemberState } from '../cluster-ops.js';
import { startLocalCluster } from './cluster.js';
import { findEtcdBinary } from './etcd-binary.js';
import { keptMemberFaults } from './kept-faults.js';
import { probeHealth } from './health.js';
import { describeExit, initialClusterFlag, memberArgs, memberEnv, spawnMember, type LiveMember, type MemberSpec } from './member.js';
import { isPidAlive, signalGroup, sleep, tailFile } from './processes.js';
import { CLUSTER_STATE_FILE, isInside, isOurMember, readClusterState, stopClusterFromState, writeClusterState, type ClusterState, type ClusterStateMember } from './state.js';

const START_TIMEOUT_MS = 30_000;

export interface KeptClusterContext {
  /** Print the plan and change nothing. */
  dryRun: boolean;
  note(line: string): void;
}

/** `--run-dir` may name the run's folder or its cluster/ folder. */
export function keptClusterDir(runDir: string): string {
  const direct = path.resolve(runDir);
  return existsSync(path.join(direct, CLUSTER_STATE_FILE)) ? direct : path.join(direct, 'cluster');
}

const portOf = (url: string): number => Number(new URL(url).port);

function specOf(m: ClusterStateMember): MemberSpec {
  return { name: m.name, clientPort: portOf(m.clientUrl), peerPort: portOf(m.peerUrl), dataDir: m.dataDir, logFile: m.logFile };
}

function infoOf(s: ClusterState): ClusterInfo {
  return {
    members: s.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl, pid: m.pid, dataDir: m.dataDir, logFile: m.logFile })),
    clientEndpoints: s.members.map((m) => m.clientUrl),
    ...(s.etcdVersion ? { etcdVersion: s.etcdVersion } : {}),
  };
}

async function running(m: ClusterStateMember): Promise<boolean> {
  return (await isPidAlive(m.pid)) && (await isOurMember(m));
}

/** Bounded: every member healthy within 30 s, or the error names the ones that are not, with their log. */
async function waitHealthy(members: ClusterStateMember[], started: Map<string, LiveMember>, runDir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    // A member that exited (a port taken, a bad data folder) fails the wait at once, not at its end.
    const dead = members.find((m) => started.get(m.name)?.exit !== undefined);
    const health = dead ? [] : await Promise.all(members.map((m) => probeHealth(m.clientUrl)));
    const bad = dead ? [dead] : members.filter((_, i) => !health[i]?.healthy);
    if (bad.length === 0) return;
    if (dead || Date.now() >= deadline) {
      const first = bad[0] as ClusterStateMember;
      const why = dead ? `${first.name} ${describeExit(started.get(first.name)!.exit!)}` : `member(s) ${bad.map((m) => m.name).join(', ')} not healthy within ${START_TIMEOUT_MS / 1000} s`;
      const alive: string[] = [];
      for (const m of members) if (m !== first && (await running(m))) alive.push(m.name);
      throw new ClusterError(ErrorCodes.clusterUnhealthy, `${why}${alive.length ? ` (${alive.join(', ')} running: cluster down --run-dir ${runDir} stops them)` : ''}; last lines of ${first.logFile}:\n${(await tailFile(first.logFile, 15)) || '(empty)'}`);
    }
    await sleep(200);
  }
}

export function keptClusterOps(runDir: string, ctx: KeptClusterContext): ClusterOps {
  const dir = keptClusterDir(runDir);
  const logger = pino({ level: process.env.ETCDLAB_LOG_LEVEL ?? 'silent' }, pino.destination(2));
  const state = () => readClusterState(dir);

  /** Starts the members that are not running, on their own data and ports; the others are left alone. */
  async function startStopped(s: ClusterState): Promise<ClusterInfo> {
    const stopped: ClusterStateMember[] = [];
    for (const m of s.members) if (!(await running(m))) stopped.push(m);
    const gone = stopped.filter((m) => !existsSync(m.dataDir));
    if (gone.length)
      throw new InputError(ErrorCodes.runDirInvalid, `${gone.map((m) => m.name).join(', ')} in ${dir} have no data any more (cluster clean removed it)`, [
        { file: path.join(dir, CLUSTER_STATE_FILE), field: 'members[].dataDir', message: gone.map((m) => m.dataDir).join(', '), fix: `cluster restart ${s.members.length} --wipe --run-dir ${runDir} makes a new cluster here, its data empty` },
      ]);
    if (ctx.dryRun) {
      ctx.note(`plan: start ${stopped.length ? stopped.map((m) => m.name).join(', ') : 'nothing (every member runs)'} in ${dir} on their data; nothing will be changed (--dry-run)`);
      return infoOf(s);
    }
    // The etcd found now (ETCD_BIN or PATH), never the path cluster.json names: a results folder is data,
    // and one copied from elsewhere must not choose what this machine executes.
    // A member a killed coordinator left paused (a fault, docs/faults.md) is resumed: harmless when it runs.
    for (const m of s.members) if (!stopped.includes(m)) signalGroup(m.pid, 'SIGCONT');
    const bin = (await findEtcdBinary()).path;
    if (bin !== s.etcdBin) ctx.note(`starting the members with ${bin} (cluster.json recorded ${s.etcdBin})`);
    const env = memberEnv();
    const members = [...s.members];
    const started = new Map<string, LiveMember>();
    const initialCluster = initialClusterFlag(members.map(specOf));
    for (const m of stopped) {
      // etcd reads its membership from the data folder; the bootstrap flags are the same as the first time.
      const live = spawnMember(bin, specOf(m), memberArgs(specOf(m), initialCluster, s.clusterToken), env);
      live.child.unref();
      if (live.info.pid === undefined) throw new ClusterError(ErrorCodes.memberStartFailed, `member ${m.name} could not be started (${bin})`);
      members[members.indexOf(m)] = { ...m, pid: live.info.pid };
      started.set(m.name, live);
    }
    const next: ClusterState = { ...s, status: 'starting', members };
    await writeClusterState(dir, next);
    await waitHealthy(members, started, runDir);
    await writeClusterState(dir, { ...next, status: 'running' });
    if (stopped.length) ctx.note(`started ${stopped.map((m) => m.name).join(', ')}`);
    return infoOf(next);
  }

  async function stop(removeData: boolean): Promise<void> {
    const s = await state();
    if (ctx.dryRun) {
      ctx.note(`plan: ${removeData ? 'clean' : 'down'} the local cluster in ${dir} (${s.members.length} member(s), status ${s.status}); nothing will be changed (--dry-run)`);
      for (const m of s.members) {
        const data = !removeData ? '' : isInside(dir, m.dataDir) ? `, remove ${m.dataDir}` : `, keep ${m.dataDir} (outside ${dir}: never removed)`;
        ctx.note(`  stop ${m.name} (pid ${m.pid}, ${m.clientUrl}${(await running(m)) ? '' : ', not running'})${data}`);
      }
      return;
    }
    const r = await stopClusterFromState(dir, { removeData, logger });
    ctx.note(`cluster in ${dir}: ${r.members.map((m) => `${m.name} ${m.outcome}`).join(', ')}${removeData ? `; ${r.removedDataDirs.length} data folder(s) removed` : ''}`);
    const kept = removeData ? s.members.filter((m) => !r.removedDataDirs.includes(m.dataDir)) : [];
    if (kept.length) ctx.note(`warning: kept ${kept.map((m) => m.dataDir).join(', ')}: outside ${dir}, etcdlab never removes it`);
  }

  return {
    provider: 'local',
    async info() {
      return infoOf(await state());
    },
    async states(): Promise<MemberState[]> {
      const s = await state();
      return Promise.all(s.members.map(async (m) => ({ name: m.name, where: `pid ${m.pid}`, state: (await running(m)) ? 'running' : 'stopped', clientUrl: m.clientUrl })));
    },
    async up({ members }) {
      const s = await state();
      if (members !== undefined && members !== s.members.length)
        throw new InputError(ErrorCodes.optionInvalid, `the kept cluster has ${s.members.length} member(s), not ${members}`, [{ field: '[members]', message: `${members}`, fix: `cluster up --run-dir ${runDir} starts the ${s.members.length} it has; cluster restart ${members} --wipe --run-dir ${runDir} makes a new one of ${members}` }]);
      return startStopped(s);
    },
    faults: async () => keptMemberFaults({ state, startStopped: async () => startStopped(await state()) }),
    down: () => stop(false),
    clean: () => stop(true),
    async logs(member, o) {
      const s = await state();
      const chosen = member === undefined ? s.members : s.members.filter((m) => m.name === member);
      if (chosen.length === 0)
        throw new InputError(ErrorCodes.optionInvalid, `no member ${JSON.stringify(member)} in ${dir}`, [{ field: '[member]', message: String(member), fix: `one of ${s.members.map((m) => m.name).join(', ')}` }]);
      for (const m of chosen) {
        if (chosen.length > 1) o.out.write(`==> ${m.name} (${m.logFile}) <==\n`);
        const text = await tailFile(m.logFile, o.lines);
        o.out.write(text === '' ? '(empty)\n' : `${text}\n`);
      }
    },
    async restart({ members, wipe }) {
      const s = await state();
      if (!wipe && members !== s.members.length)
        throw new InputError(ErrorCodes.optionInvalid, `a kept local cluster changes size only from empty data (it has ${s.members.length} member(s))`, [{ field: '--wipe', message: `restart ${members} without --wipe`, fix: `cluster restart ${members} --wipe --run-dir ${runDir} (a new ${members}-member cluster, its data empty), or cluster restart ${s.members.length} --run-dir ${runDir} to restart in place` }]);
      if (ctx.dryRun) {
        ctx.note(`plan: stop the ${s.members.length} member(s) in ${dir}, then ${wipe ? `remove their data and start a new ${members}-member cluster on new ports` : 'start them again on their data and ports'}; nothing will be changed (--dry-run)`);
        return infoOf(s);
      }
      await stopClusterFromState(dir, { removeData: wipe, logger });
      if (!wipe) return startStopped(await state());
      // A new cluster in the same folder (stopClusterFromState removed the data): left running when we exit.
      (await startLocalCluster({ members, dir, logger })).detach();
      return infoOf(await state());
    },
  };
}

import os from 'node:os';
import { EtcdlabError, type Inventory, type ResolvedHost } from '@etcdlab/common';
import type { Logger } from 'pino';
import { connectHost, forEachHost, JumpPool, type RemoteHost } from '../ssh/index.js';
import { faultSupport } from './fault-support.js';
import type { FsyncMethod } from './fsync.js';
import { measureClock, pickFsyncMethod, probeFsync, readFacts, readFaultProbe, sampleCpu, workDirForUser } from './probes.js';
import { type HostCheck, HOSTS_CHECK_SCHEMA, type HostsCheckReport, type Reason, type Thresholds } from './schema.js';
import { DEFAULT_THRESHOLDS, judgeHost, worst } from './verdict.js';

export interface HostsCheckOptions {
  inventory: Inventory;
  knownHostsFiles: string[];
  acceptNew: boolean;
  logger: Logger;
  /** Human progress lines (stderr). */
  note?: (line: string) => void;
  /** Bytes the fsync probe writes in 2300-byte blocks (etcd's docs: 22 MiB). */
  fsyncSizeBytes: number;
  diskProbe: 'auto' | FsyncMethod;
  /** The fsync probe stops after this many seconds even if not all bytes were written. */
  fsyncTimeLimitS?: number;
  thresholds?: Partial<Thresholds>;
  /** Hosts checked at once. */
  parallel?: number;
  clockRounds?: number;
}

type Measured = Omit<HostCheck, 'verdict' | 'reasons' | 'seconds'>;

/** Checks every inventory host in parallel; never throws for a host's failure: it becomes that host's verdict. */
export async function checkHosts(o: HostsCheckOptions): Promise<HostsCheckReport> {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
  const jumpPool = new JumpPool();
  const outcomes = await forEachHost(
    o.inventory.hosts,
    o.parallel ?? 8,
    async (host, task) => {
      const probeReasons: Reason[] = [];
      const remote = await task.step('connect', () => connectHost(host, { knownHostsFiles: o.knownHostsFiles, acceptNew: o.acceptNew, logger: o.logger, inventoryFile: o.inventory.source, jumpPool }));
      try {
        const m = await measure(remote, host, o, probeReasons, task.step);
        return { m, probeReasons };
      } finally {
        await remote.close();
      }
    },
    { logger: o.logger, ...(o.note ? { note: o.note } : {}) },
  );
  const hosts: HostCheck[] = outcomes.map((x) => {
    const base = baseOf(x.host);
    if (!x.ok) {
      const err = x.error;
      const fix = err instanceof EtcdlabError ? err.problems.find((p) => p.fix)?.fix : undefined;
      const code = err instanceof EtcdlabError ? err.code : 'E_UNEXPECTED';
      return {
        ...base,
        reachable: false,
        verdict: 'fail',
        reasons: [{ level: 'fail', check: x.step === 'connect' ? 'reach' : 'probe', message: `${code}: ${err.message}` }],
        error: { code, step: x.step, message: err.message, ...(fix ? { fix } : {}) },
        seconds: round1(x.ms / 1000),
      };
    }
    const reasons = [...x.value.probeReasons, ...judgeHost(x.value.m, thresholds, o.inventory.cluster.quotaBackendBytes ? { quotaBytes: o.inventory.cluster.quotaBackendBytes } : {})];
    return { ...x.value.m, verdict: worst(reasons), reasons, seconds: round1(x.ms / 1000) };
  });
  return {
    schema: HOSTS_CHECK_SCHEMA,
    checkedAt: new Date().toISOString(),
    inventory: o.inventory.source,
    coordinator: { hostname: os.hostname() },
    options: { fsyncSizeBytes: o.fsyncSizeBytes, diskProbe: o.diskProbe, acceptNew: o.acceptNew },
    thresholds,
    hosts,
    summary: { ok: hosts.filter((h) => h.verdict === 'ok').length, warn: hosts.filter((h) => h.verdict === 'warn').length, fail: hosts.filter((h) => h.verdict === 'fail').length },
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function baseOf(h: ResolvedHost): Pick<HostCheck, 'name' | 'address' | 'port' | 'user' | 'roles' | 'workDir'> {
  return { name: h.name, address: h.address, port: h.ssh.port, user: h.ssh.user, roles: h.roles, workDir: h.workDir };
}

type Step = <R>(name: string, fn: () => Promise<R>) => Promise<R>;

/** Each probe on its own: one that fails becomes a reason, the others still run. */
async function measure(remote: RemoteHost, host: ResolvedHost, o: HostsCheckOptions, reasons: Reason[], step: Step): Promise<Measured> {
  const etcd = host.roles.includes('etcd');
  const attempt = async <T>(name: string, level: Reason['level'], fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step(name, fn);
    } catch (err) {
      reasons.push({ level, check: 'probe', message: `${name} failed: ${(err as Error).message}` });
      return undefined;
    }
  };
  const { jump, ...key } = remote.hostKey;
  const m: Measured = { ...baseOf(host), reachable: true, hostKey: { ...key, ...(jump ? { jump: { type: jump.type, fingerprint: jump.fingerprint, status: jump.status, file: jump.file, line: jump.line } } : {}) } };
  // Another user gets a missing work directory from sudo, as deployment does, so the disk probe runs
  // where etcd will write; an existing one is not touched (a user without sudo rights fails here).
  const viaSudo = host.ssh.user !== 'root' ? await attempt('work dir', 'fail', () => workDirForUser(remote, host)) : undefined;
  const facts = await attempt('facts', 'fail', () => readFacts(remote, host.workDir));
  if (facts) {
    Object.assign(m, { os: facts.os, memory: facts.memory, loadavg: facts.loadavg, systemd: facts.systemd, ...(facts.disk ? { disk: facts.disk } : {}) });
    if (facts.workDirWritable !== true && viaSudo === 'exists sudo')
      reasons.push({ level: 'warn', check: 'disk', message: `work dir ${host.workDir} is not writable by ${host.ssh.user} yet: deployment hands it over (sudo -n chown); the disk probe was skipped` });
    else if (facts.workDirWritable !== true) reasons.push({ level: 'fail', check: 'disk', message: `work dir ${host.workDir} is ${facts.workDirWritable}` });
    if (facts.diskError) reasons.push({ level: 'warn', check: 'probe', message: `df failed: ${facts.diskError}` });
  }
  const cpu = await attempt('cpu sample', 'warn', () => sampleCpu(remote, host.workDir));
  if (cpu) Object.assign(m, { cpus: cpu.cpus, cpu: cpu.cpu, topProcesses: cpu.topProcesses });
  const clock = await attempt('clock offset', 'warn', () => measureClock(remote, o.clockRounds ?? 8));
  if (clock) m.clock = clock;
  if (etcd) {
    const probe = await attempt('fault probe', 'warn', () => readFaultProbe(remote));
    if (probe) m.faults = { ...faultSupport(probe, host.ssh.user), leftover: probe.leftover };
  }
  if (facts && facts.workDirWritable === true) {
    const method = pickFsyncMethod(facts.tools, o.diskProbe);
    if (!method) {
      reasons.push({ level: etcd ? 'fail' : 'warn', check: 'fsync', message: o.diskProbe === 'auto' ? 'no way to measure fdatasync latency (none of fio, python3, perl, dd)' : `--disk-probe ${o.diskProbe}: not available on this host` });
    } else {
      const fsync = await attempt(`fsync probe (${method})`, etcd ? 'fail' : 'warn', () => probeFsync(remote, host.workDir, method, o.fsyncSizeBytes, o.fsyncTimeLimitS ?? 60));
      if (fsync) m.fsync = fsync;
    }
  }
  return m;
}

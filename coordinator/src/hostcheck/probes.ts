import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { estimateClockOffset, type PingSample } from '@etcdlab/common';
import type { RemoteHost } from '../ssh/index.js';
import { classifySystemd, parseDf, parseEpochSeconds, parseMeminfo, parseOsRelease, splitSections } from './facts.js';
import { FSYNC_BLOCK, type FsyncMethod, type FsyncResult, parseDdOutput, parseFioJson, parseProbeLatencies } from './fsync.js';
import { type FaultProbe, parseFaultProbe } from './fault-support.js';
import { CLOCK_SCRIPT, FACTS_SCRIPT, FAULT_PROBE_SCRIPT, PERL_PROBE, PYTHON_PROBE, SAMPLE_SCRIPT, WORKDIR_SUDO_SCRIPT } from './probe-scripts.js';
import { cpuShares, parseLoadavg, parseProcStat } from '@etcdlab/common';
import { parseCmdlines, parsePidStats, topForeignProcesses } from '@etcdlab/common';
import type { HostCheck } from './schema.js';

const TAG = 'etcdlab-hostcheck';
const script = (text: string, ...args: string[]) => ['sh', '-c', text, TAG, ...args];

export interface Facts {
  os: NonNullable<HostCheck['os']>;
  memory: NonNullable<HostCheck['memory']>;
  loadavg: [number, number, number];
  systemd: NonNullable<HostCheck['systemd']>;
  tools: Set<string>;
  workDirWritable: string | true;
  disk?: NonNullable<HostCheck['disk']>;
  diskError?: string;
}

/** For a user other than root; see WORKDIR_SUDO_SCRIPT: made | exists | exists sudo | exists nosudo. */
export async function workDirForUser(remote: RemoteHost, host: { workDir: string; ssh: { user: string } }): Promise<string> {
  const r = await remote.exec(script(WORKDIR_SUDO_SCRIPT, host.workDir, host.ssh.user), { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`cannot create ${host.workDir} with sudo -n as ${host.ssh.user}: ${(r.stderr || r.stdout).trim().slice(0, 300) || `exit ${r.code}`}`);
  return r.stdout.trim();
}

/** What faults on purpose a member on this host can take (fault-support.ts), in one round trip. */
export async function readFaultProbe(remote: RemoteHost): Promise<FaultProbe> {
  return parseFaultProbe((await remote.run('fault probe', script(FAULT_PROBE_SCRIPT), { timeoutMs: 30_000 })).stdout);
}

export async function readFacts(remote: RemoteHost, workDir: string): Promise<Facts> {
  const res = await remote.run('read facts', script(FACTS_SCRIPT, workDir), { timeoutMs: 30_000 });
  const s = splitSections(res.stdout);
  const [kernelName = '', release = '', arch = ''] = (s.get('uname') ?? '').trim().split(' ');
  const name = parseOsRelease(s.get('os') ?? '');
  const wd = (s.get('workdir') ?? '').trim();
  let disk: Facts['disk'];
  let diskError: string | undefined;
  try {
    disk = { path: workDir, ...parseDf(s.get('df') ?? '') };
  } catch (err) {
    diskError = (err as Error).message;
  }
  return {
    os: { kernel: `${kernelName} ${release}`.trim(), arch, ...(name ? { name } : {}) },
    memory: parseMeminfo(s.get('meminfo') ?? ''),
    loadavg: parseLoadavg(s.get('loadavg') ?? ''),
    systemd: classifySystemd(s.get('systemd') ?? ''),
    tools: new Set((s.get('tools') ?? '').split('\n').map((t) => t.trim()).filter(Boolean)),
    workDirWritable: wd === 'writable' ? true : wd || 'unknown',
    ...(disk ? { disk } : {}),
    ...(diskError ? { diskError } : {}),
  };
}

export interface CpuSample {
  cpus: number;
  cpu: NonNullable<HostCheck['cpu']>;
  topProcesses: NonNullable<HostCheck['topProcesses']>;
}

/** CPU shares (steal included) and the busiest foreign processes over the same ~1 s. */
export async function sampleCpu(remote: RemoteHost, workDir: string): Promise<CpuSample> {
  const started = Date.now();
  const res = await remote.run('sample cpu and processes', script(SAMPLE_SCRIPT), { timeoutMs: 30_000 });
  const sampleMs = Date.now() - started;
  const s = splitSections(res.stdout);
  const a = parseProcStat(s.get('stat1') ?? '');
  const b = parseProcStat(s.get('stat2') ?? '');
  const shares = cpuShares(a.cpu, b.cpu);
  const selfPid = Number((s.get('self') ?? '').trim());
  const top = topForeignProcesses(parsePidStats(s.get('pids1') ?? ''), parsePidStats(s.get('pids2') ?? ''), parseCmdlines(s.get('cmdlines') ?? ''), shares.deltaJiffies / b.cpus, {
    workDir,
    ...(Number.isInteger(selfPid) ? { selfPid } : {}),
  });
  return { cpus: b.cpus, cpu: { busyPct: shares.busyPct, stealPct: shares.stealPct, iowaitPct: shares.iowaitPct, sampleMs }, topProcesses: top };
}

/** The best method the host offers: fio, else python3, else perl (with Time::HiRes), else dd. */
export function pickFsyncMethod(tools: Set<string>, wanted: 'auto' | FsyncMethod): FsyncMethod | undefined {
  if (wanted !== 'auto') return tools.has(wanted) ? wanted : undefined;
  return (['fio', 'python3', 'perl', 'dd'] as const).find((m) => tools.has(m));
}

/** dd cannot stop on a clock, so it gets fewer writes. */
const DD_MAX_WRITES = 1000;

/** fdatasync latency of small appends in the work dir; the probe file is removed afterwards. */
export async function probeFsync(remote: RemoteHost, workDir: string, method: FsyncMethod, sizeBytes: number, limitS: number): Promise<FsyncResult> {
  const file = path.posix.join(workDir, `.etcdlab-fsync-probe-${randomBytes(4).toString('hex')}`);
  const writes = Math.max(1, Math.floor(sizeBytes / FSYNC_BLOCK));
  const timeoutMs = (limitS + 30) * 1000;
  try {
    if (method === 'fio') {
      const argv = ['fio', `--name=${TAG}`, `--filename=${file}`, '--rw=write', '--ioengine=sync', '--fdatasync=1', `--size=${sizeBytes}`, `--bs=${FSYNC_BLOCK}`, `--runtime=${limitS}`, '--output-format=json'];
      return parseFioJson((await remote.run('fsync probe (fio)', argv, { timeoutMs })).stdout);
    }
    if (method === 'python3') return parseProbeLatencies((await remote.run('fsync probe (python3)', ['python3', '-c', PYTHON_PROBE, file, String(writes), String(FSYNC_BLOCK), String(limitS)], { timeoutMs })).stdout, 'python3');
    if (method === 'perl') return parseProbeLatencies((await remote.run('fsync probe (perl)', ['perl', '-e', PERL_PROBE, file, String(writes), String(FSYNC_BLOCK), String(limitS)], { timeoutMs })).stdout, 'perl');
    const n = Math.min(writes, DD_MAX_WRITES);
    const res = await remote.run('fsync probe (dd)', ['env', 'LC_ALL=C', 'dd', 'if=/dev/zero', `of=${file}`, `bs=${FSYNC_BLOCK}`, `count=${n}`, 'oflag=dsync'], { timeoutMs });
    return parseDdOutput(res.stderr, n);
  } finally {
    await remote.exec(['rm', '-f', '--', file]).catch(() => undefined);
  }
}

/** Coordinator wall clock with sub-millisecond resolution. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Clock offset by Cristian's method over one open channel: each round writes a line and reads the host's
 * time back; the round with the lowest round trip wins (estimateClockOffset).
 */
export async function measureClock(remote: RemoteHost, rounds = 8): Promise<NonNullable<HostCheck['clock']>> {
  const proc = await remote.spawn(script(CLOCK_SCRIPT));
  const lines: string[] = [];
  const waiters: ((l: string | undefined) => void)[] = [];
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  void proc.done.then(() => waiters.splice(0).forEach((w) => w(undefined)));
  // A waiter that timed out leaves the queue, so a late line is not handed to it and lost (which would
  // shift every later answer by one).
  const next = (timeoutMs = 5000): Promise<string | undefined> =>
    lines.length > 0
      ? Promise.resolve(lines.shift())
      : new Promise((resolve) => {
          const waiter = (l: string | undefined) => {
            clearTimeout(t);
            resolve(l);
          };
          const t = setTimeout(() => {
            const k = waiters.indexOf(waiter);
            if (k >= 0) waiters.splice(k, 1);
            resolve(undefined);
          }, timeoutMs);
          waiters.push(waiter);
        });
  try {
    // The first line needs a shell started over SSH: on a busy host that can take seconds.
    const source = (await next(15_000))?.trim();
    if (source !== 'EPOCHREALTIME' && source !== 'date') throw new Error(`clock probe did not start (${source ?? 'no output'})`);
    const samples: PingSample[] = [];
    for (let i = 0; i <= rounds; i++) {
      const sentAt = now();
      proc.stdin.write('\n');
      const line = await next();
      const receivedAt = now();
      if (line === undefined) throw new Error('clock probe stopped answering');
      const agentTime = parseEpochSeconds(line);
      if (agentTime === undefined) throw new Error(`clock probe answered "${line.slice(0, 40)}" (no high-resolution time on this host)`);
      if (i > 0) samples.push({ sentAt, agentTime, receivedAt }); // round 0 warms up the loop
    }
    const est = estimateClockOffset(samples);
    return { offsetMs: Math.round(est.offsetMs * 1000) / 1000, rttMs: Math.round(est.rttMs * 1000) / 1000, rounds: est.samples, source };
  } finally {
    proc.stdin.end();
    proc.close();
  }
}

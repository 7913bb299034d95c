import { round2 } from './proc-stat.js';

/**
 * The busiest processes that are not etcdlab's, from two reads of /proc/<pid>/stat around an interval
 * (CPU % = share of one CPU over that interval, so 200 = two full cores).
 */
export interface PidStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in jiffies. */
  ticks: number;
  /** Start time since boot (jiffies): tells a reused pid from the same process. */
  start: number;
}

/** Lines of /proc/<pid>/stat; comm may hold spaces and parentheses, so it ends at the LAST ')'. Bad lines are skipped. */
export function parsePidStats(text: string): Map<number, PidStat> {
  const out = new Map<number, PidStat>();
  for (const line of text.split('\n')) {
    const open = line.indexOf(' (');
    const close = line.lastIndexOf(') ');
    if (open < 1 || close < open) continue;
    const pid = Number(line.slice(0, open));
    const f = line.slice(close + 2).split(' ');
    // After comm: state(0) ppid(1) ... utime(11) stime(12) ... starttime(19)
    const ppid = Number(f[1]);
    const ticks = Number(f[11]) + Number(f[12]);
    const start = Number(f[19]);
    if (!Number.isInteger(pid) || !Number.isFinite(ticks) || !Number.isFinite(start)) continue;
    out.set(pid, { pid, comm: line.slice(open + 2, close), ppid, ticks, start });
  }
  return out;
}

/** `head -v -c N /proc/[0-9]*\/cmdline` output: a `==> /proc/PID/cmdline <==` header before each file's bytes (NUL-separated). */
export function parseCmdlines(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const re = /(?:^|\n)==> \/proc\/(\d+)\/cmdline <==\n/g;
  const heads = [...text.matchAll(re)];
  heads.forEach((m, i) => {
    const from = (m.index ?? 0) + m[0].length;
    const to = heads[i + 1]?.index ?? text.length;
    out.set(Number(m[1]), text.slice(from, to).replace(/\n$/, '').replace(/\0+$/, '').replace(/\0/g, ' '));
  });
  return out;
}

export interface BusyProcess {
  pid: number;
  comm: string;
  cmdline: string;
  cpuPct: number;
}

export interface OwnRules {
  /** The host's work directory: processes that mention it are etcdlab's (etcd, agent). */
  workDir: string;
  /** The sampling shell itself. */
  selfPid?: number;
}

/** etcdlab's own processes and SSH sessions are not neighbours. */
export function isOwnProcess(p: { pid: number; comm: string; cmdline: string }, rules: OwnRules): boolean {
  if (p.pid === rules.selfPid) return true;
  if (p.comm === 'sshd' || p.comm === 'sshd-session') return true;
  return p.cmdline.includes('etcdlab') || (rules.workDir.length > 1 && p.cmdline.includes(rules.workDir));
}

/**
 * Processes present in both samples (same start time), not our own, sorted by CPU; `intervalJiffiesPerCpu`
 * is the interval in jiffies of one CPU (aggregate delta / CPUs).
 */
export function topForeignProcesses(
  before: Map<number, PidStat>,
  after: Map<number, PidStat>,
  cmdlines: Map<number, string>,
  intervalJiffiesPerCpu: number,
  rules: OwnRules,
  limit = 5,
): BusyProcess[] {
  if (intervalJiffiesPerCpu <= 0) return [];
  const out: BusyProcess[] = [];
  for (const [pid, b] of after) {
    const a = before.get(pid);
    if (!a || a.start !== b.start) continue;
    const cmdline = cmdlines.get(pid) ?? '';
    const p = { pid, comm: b.comm, cmdline: cmdline || `[${b.comm}]` };
    if (isOwnProcess({ ...p, cmdline }, rules)) continue;
    const cpuPct = round2((100 * Math.max(0, b.ticks - a.ticks)) / intervalJiffiesPerCpu);
    if (cpuPct > 0) out.push({ ...p, cpuPct });
  }
  return out.sort((x, y) => y.cpuPct - x.cpuPct || x.pid - y.pid).slice(0, limit);
}

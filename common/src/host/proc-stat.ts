/**
 * /proc/stat: the aggregate `cpu` line holds jiffies spent per state since boot, summed over CPUs
 * (user nice system idle iowait irq softirq steal guest guest_nice). Guest time is already counted in
 * user/nice, so the total leaves it out. Two samples give shares of the interval between them.
 */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  total: number;
}

export interface ProcStat {
  /** Aggregate over all CPUs. */
  cpu: CpuTimes;
  /** Number of cpuN lines: the CPUs the kernel schedules on. */
  cpus: number;
}

export function parseProcStat(text: string): ProcStat {
  let cpu: CpuTimes | undefined;
  let cpus = 0;
  for (const line of text.split('\n')) {
    const m = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] !== '') {
      cpus++;
      continue;
    }
    const v = (m[2] ?? '').trim().split(/\s+/).map(Number);
    if (v.length < 4 || v.some((x) => !Number.isFinite(x))) throw new Error(`unreadable /proc/stat cpu line: ${line}`);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    cpu = { user, nice, system, idle, iowait, irq, softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  }
  if (!cpu) throw new Error('/proc/stat has no aggregate cpu line');
  return { cpu, cpus: Math.max(cpus, 1) };
}

export interface CpuShares {
  /** Percent of all CPUs' time in the interval (100 = every CPU busy). */
  busyPct: number;
  stealPct: number;
  iowaitPct: number;
  /** Jiffies elapsed over all CPUs in the interval. */
  deltaJiffies: number;
}

export function cpuShares(a: CpuTimes, b: CpuTimes): CpuShares {
  const d = (k: keyof CpuTimes) => Math.max(0, b[k] - a[k]);
  const total = d('total');
  if (total === 0) return { busyPct: 0, stealPct: 0, iowaitPct: 0, deltaJiffies: 0 };
  const pct = (x: number) => round2((100 * x) / total);
  return { busyPct: pct(total - d('idle') - d('iowait') - d('steal')), stealPct: pct(d('steal')), iowaitPct: pct(d('iowait')), deltaJiffies: total };
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** /proc/loadavg: "0.52 0.58 0.59 1/467 12345". */
export function parseLoadavg(text: string): [number, number, number] {
  const v = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new Error(`unreadable /proc/loadavg: ${text.trim()}`);
  return v as [number, number, number];
}

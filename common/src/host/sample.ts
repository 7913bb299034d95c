import { z } from 'zod';
import { cpuShares, type ProcStat, round2 } from './proc-stat.js';
import type { PidStat } from './processes.js';

/**
 * One host sample, as recorded during a run (hosts/<host>.jsonl; docs/reports.md): the host's CPU use,
 * steal and I/O wait over the last interval, its load, free memory, and its busiest processes, each
 * marked foreign or ours (etcd members, etcdlab agents, the coordinator).
 */
export const hostSampleSchema = z.strictObject({
  runId: z.string(),
  agentId: z.string(),
  host: z.string(),
  /** Sample time, agent clock (ms since the epoch); the coordinator converts it to its own. */
  t: z.number(),
  /** Of all cores, 0..100. */
  cpuPct: z.number().min(0),
  stealPct: z.number().min(0),
  iowaitPct: z.number().min(0),
  load1: z.number().min(0),
  memAvailableMb: z.number().min(0),
  cpus: z.number().int().min(1),
  /** Busiest processes; cpuPct in % of one core. */
  top: z.array(z.strictObject({ name: z.string(), pid: z.number().int(), cpuPct: z.number().min(0), foreign: z.boolean() })),
});
export type HostSample = z.infer<typeof hostSampleSchema>;

/** Coordinator -> the one agent per host that samples it (a monitor where there is one). */
export const samplingStartSchema = z.strictObject({
  runId: z.string(),
  intervalMs: z.number().int().min(200),
  /** A process whose command line contains one of these is ours, not a neighbour (data dirs, work dirs). */
  ownMarkers: z.array(z.string().min(2)),
});
export type SamplingStart = z.infer<typeof samplingStartSchema>;

export interface ProcessSnapshot {
  stats: Map<number, PidStat>;
  cmdlines: Map<number, string>;
}

/** Own processes: this sampler, or a command line that names one of the run's markers or etcdlab. */
export function isOursByMarkers(cmdline: string, pid: number, selfPid: number, markers: readonly string[]): boolean {
  return pid === selfPid || cmdline.includes('etcdlab') || markers.some((m) => cmdline.includes(m));
}

/** The busiest processes between two snapshots (same pid and start time), ours and foreign, marked. */
export function busiestProcesses(before: ProcessSnapshot, after: ProcessSnapshot, jiffiesPerCpu: number, selfPid: number, markers: readonly string[], limit = 5): HostSample['top'] {
  if (jiffiesPerCpu <= 0) return [];
  const out: HostSample['top'] = [];
  for (const [pid, b] of after.stats) {
    const a = before.stats.get(pid);
    if (!a || a.start !== b.start) continue;
    const cpuPct = round2((100 * Math.max(0, b.ticks - a.ticks)) / jiffiesPerCpu);
    if (cpuPct <= 0) continue;
    const cmdline = after.cmdlines.get(pid) ?? '';
    out.push({ name: b.comm, pid, cpuPct, foreign: !isOursByMarkers(cmdline, pid, selfPid, markers) });
  }
  return out.sort((x, y) => y.cpuPct - x.cpuPct || x.pid - y.pid).slice(0, limit);
}

/** Builds a sample from two /proc readings; pure, so it is tested without /proc. */
export function hostSampleFrom(
  ids: { runId: string; agentId: string; host: string; t: number; selfPid: number; markers: readonly string[] },
  before: { stat: ProcStat; procs: ProcessSnapshot },
  after: { stat: ProcStat; procs: ProcessSnapshot; load1: number; memAvailableMb: number },
): HostSample {
  const shares = cpuShares(before.stat.cpu, after.stat.cpu);
  return {
    runId: ids.runId,
    agentId: ids.agentId,
    host: ids.host,
    t: ids.t,
    cpuPct: shares.busyPct,
    stealPct: shares.stealPct,
    iowaitPct: shares.iowaitPct,
    load1: after.load1,
    memAvailableMb: after.memAvailableMb,
    cpus: after.stat.cpus,
    top: busiestProcesses(before.procs, after.procs, shares.deltaJiffies / after.stat.cpus, ids.selfPid, ids.markers),
  };
}

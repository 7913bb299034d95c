import type { HostCheck, HostSample } from '../raw/types.js';
import type { Flag, HostHealth } from './types.js';

/**
 * Bounds past which a host makes results doubtful: CPU stolen by the hypervisor (mean over the run, or a
 * single sample), and a foreign process (neither etcd nor etcdlab) busy on the host, in % of one core.
 */
export const HOST_BOUNDS = { stealMeanPct: 5, stealMaxPct: 10, foreignCpuPct: 25 } as const;

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined);
const round1 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 10) / 10);
const defined = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

function foreignOf(s: HostSample): { name: string; cpuPct: number } | undefined {
  const f = (s.top ?? []).filter((p) => p.foreign !== false).sort((a, b) => b.cpuPct - a.cpuPct)[0];
  return f ? { name: f.name, cpuPct: f.cpuPct } : undefined;
}

function hostFlags(h: Omit<HostHealth, 'flags' | 'timeline'>, check?: HostCheck): Flag[] {
  const flags: Flag[] = [];
  const b = HOST_BOUNDS;
  if ((h.stealPctMean ?? 0) > b.stealMeanPct || (h.stealPctMax ?? 0) > b.stealMaxPct)
    flags.push({ level: 'bad', metric: 'steal', message: `${h.host}: CPU steal up to ${h.stealPctMax?.toFixed(1)}% (mean ${h.stealPctMean?.toFixed(1)}%): the hypervisor gave this host's CPU to others` });
  if (h.busiestForeign && h.busiestForeign.cpuPct > b.foreignCpuPct)
    flags.push({ level: 'bad', metric: 'noisy neighbour', message: `${h.host}: foreign process "${h.busiestForeign.name}" used ${h.busiestForeign.cpuPct.toFixed(0)}% of a core` });
  for (const p of check?.problems ?? []) flags.push({ level: 'warn', metric: 'hosts check', message: `${h.host}: ${p}` });
  return flags;
}

/** Health per host from its samples during the run and from the hosts check before it. */
export function hostHealth(samples: readonly HostSample[], checks: readonly HostCheck[], baseMs: number): HostHealth[] {
  const hosts = [...new Set([...samples.map((s) => s.host), ...checks.map((c) => c.host)])].sort();
  return hosts.map((host) => {
    const mine = samples.filter((s) => s.host === host);
    const check = checks.find((c) => c.host === host);
    const foreign = defined([...mine.map(foreignOf), ...(check?.topForeign ?? [])]).sort((a, b) => b.cpuPct - a.cpuPct)[0];
    const steal = [...defined(mine.map((s) => s.stealPct)), ...(check?.stealPct !== undefined ? [check.stealPct] : [])];
    const cpu = defined(mine.map((s) => s.cpuPct));
    const load = [...defined(mine.map((s) => s.load1)), ...(check?.load1 !== undefined ? [check.load1] : [])];
    const h: Omit<HostHealth, 'flags' | 'timeline'> = { host, source: mine.length && check ? 'both' : mine.length ? 'samples' : 'check', samples: mine.length };
    const opt = { cpuPctMean: round1(mean(cpu)), cpuPctMax: round1(max(cpu)), stealPctMean: round1(mean(steal)), stealPctMax: round1(max(steal)), load1Max: round1(max(load)), busiestForeign: foreign };
    for (const [k, v] of Object.entries(opt)) if (v !== undefined) (h as Record<string, unknown>)[k] = v;
    const timeline = mine.map((s) => {
      const p: HostHealth['timeline'][number] = { offsetSec: Math.round(s.t - baseMs) / 1000 };
      if (s.cpuPct !== undefined) p.cpuPct = s.cpuPct;
      if (s.stealPct !== undefined) p.stealPct = s.stealPct;
      const f = foreignOf(s);
      if (f) p.foreignCpuPct = f.cpuPct;
      return p;
    });
    return { ...h, timeline, flags: hostFlags(h, check) };
  });
}

import type { HostCheck, Reason, Thresholds, Verdict } from './schema.js';

/** The documented defaults (docs/hosts.md). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  fsyncP99Ms: 10,
  stealPct: 5,
  foreignCpuPct: 10,
  loadPerCpu: 1,
  clockOffsetMs: 50,
  memAvailableBytes: 512 * 1024 ** 2,
  diskFreeFailBytes: 256 * 1024 ** 2,
  etcdMinCpus: 2,
};

/** etcd's default backend quota (2 GiB) unless the inventory sets quotaBackendBytes. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
const mib = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;

/**
 * The reasons a measured host is not simply "ok"; the verdict is the worst level among them. Probe
 * failures and connection errors are added by the caller as reasons of their own.
 */
export function judgeHost(h: Omit<HostCheck, 'verdict' | 'reasons' | 'seconds'>, t: Thresholds, o: { quotaBytes?: number } = {}): Reason[] {
  const out: Reason[] = [];
  const add = (level: Reason['level'], check: string, message: string) => out.push({ level, check, message });
  const etcd = h.roles.includes('etcd');

  if (h.fsync) {
    const f = h.fsync;
    if (f.p99Ms !== undefined) {
      if (f.p99Ms > t.fsyncP99Ms) add(etcd ? 'fail' : 'warn', 'fsync', `fdatasync p99 ${f.p99Ms} ms > ${t.fsyncP99Ms} ms (${f.method})${etcd ? ': too slow for an etcd WAL' : ''}`);
    } else if (f.meanMs > t.fsyncP99Ms) {
      add(etcd ? 'fail' : 'warn', 'fsync', `fdatasync average ${f.meanMs} ms > ${t.fsyncP99Ms} ms (${f.method}; the p99 is higher still)`);
    } else if (etcd) {
      add('warn', 'fsync', `only an average fdatasync latency (${f.meanMs} ms, ${f.method}): the p99 is unknown; install fio or python3 on the host`);
    }
  }
  if (h.cpu && h.cpu.stealPct > t.stealPct) add('warn', 'steal', `CPU steal ${h.cpu.stealPct}% > ${t.stealPct}%: the hypervisor gives this host's CPUs to others`);
  for (const p of h.topProcesses ?? []) {
    if (p.cpuPct > t.foreignCpuPct) add('warn', 'neighbour', `noisy neighbour: pid ${p.pid} ${p.comm} at ${p.cpuPct}% CPU (${p.cmdline.slice(0, 80)})`);
  }
  if (h.loadavg && h.cpus && h.loadavg[0] > h.cpus * t.loadPerCpu) add('warn', 'load', `load average ${h.loadavg[0]} > ${h.cpus * t.loadPerCpu} (${h.cpus} CPUs)`);
  if (h.clock && Math.abs(h.clock.offsetMs) > t.clockOffsetMs) add('warn', 'clock', `clock offset ${h.clock.offsetMs.toFixed(1)} ms to the coordinator > ${t.clockOffsetMs} ms: run NTP/chrony on the hosts`);
  if (h.memory && h.memory.availableBytes < t.memAvailableBytes) add('warn', 'memory', `only ${mib(h.memory.availableBytes)} memory available (< ${mib(t.memAvailableBytes)})`);
  if (h.disk) {
    const quota = o.quotaBytes ?? DEFAULT_QUOTA_BYTES;
    if (h.disk.freeBytes < t.diskFreeFailBytes) add('fail', 'disk', `only ${mib(h.disk.freeBytes)} free in ${h.disk.path} (< ${mib(t.diskFreeFailBytes)})`);
    else if (etcd && h.disk.freeBytes < quota) add('warn', 'disk', `${gib(h.disk.freeBytes)} free in ${h.disk.path}, less than the etcd backend quota (${gib(quota)})`);
  }
  if (etcd && h.cpus !== undefined && h.cpus < t.etcdMinCpus) add('warn', 'cpus', `${h.cpus} CPU(s) for an etcd member (< ${t.etcdMinCpus})`);
  if (h.systemd && !h.systemd.settled) add('warn', 'systemd', `systemd is ${h.systemd.state}: services may not start until it settles`);
  return out;
}

export const worst = (reasons: readonly Reason[]): Verdict => (reasons.some((r) => r.level === 'fail') ? 'fail' : reasons.length > 0 ? 'warn' : 'ok');

import type { Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import { checkHosts, type HostsCheckReport } from '../../hostcheck/index.js';
import { defaultKnownHostsFiles } from '../../ssh/index.js';
import { probeFacts } from './host-facts.js';
import { HostSessions } from './sessions.js';

export interface HostRecord {
  name: string;
  address: string;
  roles: string[];
  reachable: boolean;
  error?: string;
  hostKey?: string;
  arch?: string;
  init?: string;
  cpus?: number;
  loadAvg1m?: number;
  memAvailableMB?: number;
}

/** `nproc`, the 1-minute load average and MemAvailable in one round trip; constant text, no inventory values. */
const SNAPSHOT = 'nproc; cut -d" " -f1 /proc/loadavg; awk \'/^MemAvailable:/ {print int($2/1024)}\' /proc/meminfo';

export function parseSnapshot(out: string): Pick<HostRecord, 'cpus' | 'loadAvg1m' | 'memAvailableMB'> {
  const [cpus, load, mem] = out.trim().split('\n').map((l) => Number(l.trim()));
  return {
    ...(Number.isFinite(cpus) ? { cpus } : {}),
    ...(Number.isFinite(load) ? { loadAvg1m: load } : {}),
    ...(Number.isFinite(mem) ? { memAvailableMB: mem } : {}),
  };
}

/** The fsync probe of the pre-run check writes this much (the full `hosts check` writes 22 MiB). */
export const RUN_CHECK_FSYNC_BYTES = 512 * 1024;

export type RunHostChecks = { source: string; report: HostsCheckReport } | { source: string; hosts: HostRecord[] };

/**
 * The host checks a run records: `etcdlab hosts check` with a short disk probe (reachability, host key,
 * OS, CPUs, load, steal, noisy neighbours, memory, disk, fdatasync latency, clock offset, systemd). Should
 * that fail as a whole, the short probe below is recorded instead, and the manifest says which it is.
 */
export async function hostChecksForRun(inv: Inventory, logger: Logger, acceptNew: boolean): Promise<RunHostChecks> {
  try {
    const report = await checkHosts({ inventory: inv, knownHostsFiles: defaultKnownHostsFiles(), acceptNew, logger, fsyncSizeBytes: RUN_CHECK_FSYNC_BYTES, diskProbe: 'auto', fsyncTimeLimitS: 10 });
    return { source: `etcdlab hosts check before the run (fsync probe ${RUN_CHECK_FSYNC_BYTES / 1024} KiB)`, report };
  } catch (err) {
    logger.warn({ err: String(err) }, 'hosts check failed; recording the short probe instead');
    return hostFactsForManifest(inv, logger, acceptNew);
  }
}

/**
 * A short probe (reachable with a verified key, arch, init system, CPUs, load, free memory): the
 * fallback when the hosts check cannot run.
 */
export async function hostFactsForManifest(inv: Inventory, logger: Logger, acceptNew: boolean): Promise<RunHostChecks> {
  const { sessions, unreachable } = await HostSessions.openReachable(inv, inv.hosts, { logger, note: () => undefined, acceptNew });
  try {
    const hosts = await Promise.all(
      inv.hosts.map(async (h): Promise<HostRecord> => {
        const base = { name: h.name, address: h.address, roles: [...h.roles] };
        const err = unreachable.get(h.name);
        if (err) return { ...base, reachable: false, error: err.message };
        const remote = sessions.get(h.name);
        try {
          const f = await probeFacts(remote);
          const snap = await remote.exec(['sh', '-c', SNAPSHOT]);
          return { ...base, reachable: true, hostKey: `${remote.hostKey.type} ${remote.hostKey.fingerprint}`, arch: f.arch, init: `${f.init.mode} (${f.init.detail})`, ...parseSnapshot(snap.stdout) };
        } catch (e) {
          return { ...base, reachable: true, error: (e as Error).message };
        }
      }),
    );
    return { source: 'etcdlab run short probe (reachability, host key, arch, init, CPUs, load, memory); the hosts check could not run', hosts };
  } finally {
    await sessions.close();
  }
}

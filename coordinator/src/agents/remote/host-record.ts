import type { Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import { probeFacts } from '../../providers/ssh/host-facts.js';
import { HostSessions } from '../../providers/ssh/sessions.js';

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

/**
 * What the run records about each host right before it starts: reachable with a verified key, arch,
 * init system, CPUs, load and free memory. A short probe, not the full `etcdlab hosts check` (disk
 * fdatasync latency, steal, noisy neighbours); the manifest says which one it is.
 */
export async function hostFactsForManifest(inv: Inventory, logger: Logger, acceptNew: boolean): Promise<{ source: string; hosts: HostRecord[] }> {
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
    return { source: 'etcdlab run pre-run probe (reachability, host key, arch, init, CPUs, load, memory); the full checks are `etcdlab hosts check`', hosts };
  } finally {
    await sessions.close();
  }
}

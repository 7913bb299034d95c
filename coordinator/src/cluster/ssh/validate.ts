import { posix } from 'node:path';
import { ErrorCodes, InputError, type Inventory, type Problem } from '@etcdlab/common';
import { MANAGED_KEYS } from './etcd-config.js';

/**
 * Folders `clean` must never empty: etcdlab removes its own sub-folders of a workDir, and
 * `<workDir>/etcd` under /var/lib would be Debian's own etcd data.
 */
const SYSTEM_DIRS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv',
  '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/log', '/var/tmp', '/var/cache', '/var/run', '/var/spool', '/usr/local', '/usr/lib', '/usr/share',
]);

/** Problems an inventory has for the ssh provider beyond the common schema and placement rules. Pure. */
export function sshInventoryProblems(inv: Inventory): Problem[] {
  const file = inv.source;
  const out: Problem[] = [];
  inv.hosts.forEach((h, i) => {
    const w = posix.normalize(h.workDir).replace(/\/+$/, '') || '/';
    if (SYSTEM_DIRS.has(w) || w.split('/').filter(Boolean).length < 2)
      out.push({ file, field: `hosts[${i}].workDir`, message: `${h.workDir} is a system folder; etcdlab creates and removes sub-folders (etcd/, agent/, run/, bin/) in its work directory`, fix: 'use a folder of its own, e.g. /var/lib/etcdlab (the default) or /opt/etcdlab' });
  });
  for (const k of Object.keys(inv.cluster.extraFlags ?? {}))
    if (MANAGED_KEYS.has(k)) out.push({ file, field: `cluster.extraFlags.${k}`, message: `${k} is set by etcdlab from the inventory`, fix: 'remove it; ports, names and URLs come from hosts and cluster settings' });
  return out;
}

export function assertSshInventory(inv: Inventory): void {
  const problems = sshInventoryProblems(inv);
  if (problems.length > 0) throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has ${problems.length} problem(s) for the ssh provider`, problems);
}

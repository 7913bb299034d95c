import { ErrorCodes, InputError, type Inventory, type Problem } from '@etcdlab/common';
import { MANAGED_KEYS } from './etcd-config.js';

/**
 * Problems an inventory has for the ssh provider beyond the common schema and placement rules (the work
 * directories' grammar, system folders included, is checked when any command reads it: inventory/grammar.ts). Pure.
 */
export function sshInventoryProblems(inv: Inventory): Problem[] {
  const file = inv.source;
  const out: Problem[] = [];
  for (const k of Object.keys(inv.cluster.extraFlags ?? {}))
    if (MANAGED_KEYS.has(k)) out.push({ file, field: `cluster.extraFlags.${k}`, message: `${k} is set by etcdlab from the inventory`, fix: 'remove it; ports, names and URLs come from hosts and cluster settings' });
  return out;
}

export function assertSshInventory(inv: Inventory): void {
  const problems = sshInventoryProblems(inv);
  if (problems.length > 0) throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has ${problems.length} problem(s) for the ssh provider`, problems);
}

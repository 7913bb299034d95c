import { parseYamlInput } from '../yaml-input.js';
import { ErrorCodes, InputError, type Problem } from '../errors.js';
import { zodProblems } from '../validation.js';
import { placementProblems } from './rules.js';
import { type InventoryHost, inventorySchema, type ParsedInventory, type SshSettings } from './schema.js';

/** A host with its SSH settings resolved (inventory-wide defaults, then the host's own). */
export interface ResolvedHost extends InventoryHost {
  workDir: string;
  ssh: SshSettings & { user: string; port: number };
}

export interface Inventory extends Omit<ParsedInventory, 'hosts'> {
  source: string;
  hosts: ResolvedHost[];
}

export const DEFAULT_WORK_DIR = '/var/lib/etcdlab';

/**
 * Parses and validates an inventory: schema first, then the placement rules, every problem at once
 * with file, path and fix.
 */
export function parseInventory(text: string, file: string): Inventory {
  const result = inventorySchema.safeParse(parseYamlInput(text, file, ErrorCodes.inventoryInvalid));
  if (!result.success) {
    throw new InputError(ErrorCodes.inventoryInvalid, `${file} has ${result.error.issues.length} problem(s)`, zodProblems(result.error, inventorySchema, file));
  }
  const inv = result.data;
  const problems: Problem[] = placementProblems(inv).map((p) => ({ file, ...p }));
  if (problems.length > 0) throw new InputError(ErrorCodes.inventoryInvalid, `${file} has ${problems.length} problem(s)`, problems);
  return {
    ...inv,
    source: file,
    hosts: inv.hosts.map((h) => ({
      ...h,
      workDir: h.workDir ?? DEFAULT_WORK_DIR,
      ssh: { ...inv.ssh, ...h.ssh, user: h.ssh?.user ?? inv.ssh?.user ?? 'root', port: h.ssh?.port ?? inv.ssh?.port ?? 22 },
    })),
  };
}

export const hostsWithRole = (inv: Inventory, role: InventoryHost['roles'][number]): ResolvedHost[] => inv.hosts.filter((h) => h.roles.includes(role));

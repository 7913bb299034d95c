/** Which cluster a `cluster ...` or `fault` command works on: -i INVENTORY (docker, ssh) or --run-dir (a kept local one). */
import { ErrorCodes, InputError } from '@etcdlab/common';
import { type Command, Option } from 'commander';
import pino from 'pino';
import type { ClusterOps } from '../cluster/cluster-ops.js';
import { keptClusterOps } from '../cluster/local/kept.js';
import { clusterOpsFor } from '../cluster/registry.js';
import { loadInventoryFile } from './inventory-file.js';

export interface ClusterCommandOptions {
  inventory?: string;
  /** A local cluster kept by `quickstart --keep` / `run --keep` (instead of -i). */
  runDir?: string;
  dryRun?: boolean;
  acceptNew?: boolean;
}

export const inventoryOption = () => new Option('-i, --inventory <file>', 'inventory file');
export const runDirOption = () => new Option('--run-dir <dir>', 'a local cluster kept by `quickstart --keep` or `run --keep`: its run folder (instead of -i)');
export const acceptNewOption = () => new Option('--accept-new', 'ssh: record unknown host keys in .etcdlab/known_hosts instead of refusing them');

/** -i, --run-dir and --accept-new on a command. */
export const clusterOptions = (cmd: Command): Command => cmd.addOption(inventoryOption()).addOption(runDirOption()).addOption(acceptNewOption());

export async function opsFrom(o: ClusterCommandOptions, note: (line: string) => void): Promise<ClusterOps> {
  if (o.inventory !== undefined && o.runDir !== undefined)
    throw new InputError(ErrorCodes.optionInvalid, 'give -i or --run-dir, not both', [{ field: '-i / --run-dir', message: 'both given', fix: '-i INVENTORY for a docker or ssh cluster, --run-dir results/<run-id> for a local cluster kept with --keep' }]);
  if (o.runDir !== undefined) {
    if (o.runDir === '') throw new InputError(ErrorCodes.optionInvalid, 'invalid value for --run-dir', [{ field: '--run-dir', message: 'empty', fix: '--run-dir results/<run-id> (the folder of a run kept with --keep)' }]);
    return keptClusterOps(o.runDir, { dryRun: Boolean(o.dryRun), note });
  }
  if (!o.inventory) throw new InputError(ErrorCodes.optionInvalid, 'no cluster given', [{ field: '-i, --inventory / --run-dir', message: 'one is required', fix: 'e.g. -i inventory/docker.example.yaml, or --run-dir results/<run-id> for a local cluster kept with --keep' }]);
  const inventory = loadInventoryFile(o.inventory);
  const logger = pino({ level: process.env.ETCDLAB_LOG_LEVEL ?? 'silent' }, pino.destination(2));
  return clusterOpsFor({ inventory, logger, dryRun: Boolean(o.dryRun), note, acceptNew: Boolean(o.acceptNew) });
}

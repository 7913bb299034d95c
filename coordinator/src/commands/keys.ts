import pino from 'pino';
import { ErrorCodes, InputError, safeName } from '@etcdlab/common';
import { normalizeEndpoints, probeEndpoints, readTlsFiles, type TlsFiles } from '../cluster/external.js';
import { cleanRunKeys } from '../run/key-cleanup.js';
import { describeReclaim, reclaimSpace } from '../run/space-reclaim.js';
import { type Registrar, subcommand } from './register.js';

/** `etcdlab keys clean RUN_ID --endpoints ...`: the keys of a run that kept them (--keep-keys, or an older run). */
interface KeysCleanOptions extends TlsFiles {
  endpoints: string;
  compact?: boolean;
  defrag?: boolean;
}

async function keysClean(runId: string, o: KeysCleanOptions): Promise<number> {
  const id = safeName(runId);
  if (!id.ok) throw new InputError(ErrorCodes.optionInvalid, `${JSON.stringify(runId)} is not a run id`, [{ field: 'RUN_ID', message: id.message, fix: 'the name of the run\'s results folder, e.g. 20261207-014929-04e5' }]);
  const tls = readTlsFiles(o);
  const endpoints = normalizeEndpoints(o.endpoints, tls !== undefined);
  await probeEndpoints(endpoints, tls);
  const r = await cleanRunKeys({ endpoints, ...(tls ? { tls } : {}), runId, logger: pino({ level: 'silent' }), note: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(`keys: ${r.deleted.toLocaleString('en-US')} deleted under ${r.prefix} in ${r.batches} batch(es), ${(r.durationMs / 1000).toFixed(1)} s\n`);
  if (r.deleted === 0 && !r.error) process.stderr.write(`  (no key was under ${r.prefix}: already clean, or not this run's id; \`etcdlab results list\` shows the ids)\n`);
  if (r.error) {
    process.stderr.write(`error ${ErrorCodes.keysCleanupFailed}: not every key was deleted: ${r.error}\n`);
    return 1;
  }
  if (o.compact || o.defrag) {
    const space = await reclaimSpace({ endpoints, ...(tls ? { tls } : {}), defrag: o.defrag === true, note: (l) => process.stderr.write(`${l}\n`) });
    if (space.error) {
      process.stderr.write(`error ${ErrorCodes.keysCleanupFailed}: the keys were deleted, but the ${o.defrag ? 'compaction and defragmentation' : 'compaction'} failed: ${space.error}\n  fix: run it again once every member answers (etcdctl compaction / etcdctl defrag do the same)\n`);
      return 1;
    }
    for (const l of describeReclaim(space)) process.stderr.write(`${l}\n`);
  }
  return 0;
}

export const registerKeys: Registrar = (program, setExit) => {
  subcommand(program, 'keys', "the keys runs write into a cluster (under etcdlab/<run-id>/)")
    .command('clean')
    .description("delete a run's keys (every key under etcdlab/<run-id>/, nothing else), in batches")
    .argument('<run-id>', "the run's id (its results folder's name)")
    .requiredOption('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--compact', "afterwards, compact the cluster's history at its current revision (the deleted keys' versions go)")
    .option('--defrag', 'afterwards, compact and then defragment each member in turn, so the database files shrink (a member blocks while it defragments)')
    .action(async (runId: string, o: KeysCleanOptions) => setExit(await keysClean(runId, o)));
};

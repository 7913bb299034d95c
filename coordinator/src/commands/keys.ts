import pino from 'pino';
import { ErrorCodes, InputError, safeName } from '@etcdlab/common';
import { normalizeEndpoints, probeEndpoints, readTlsFiles, type TlsFiles } from '../cluster/external.js';
import { cleanRunKeys } from '../run/key-cleanup.js';
import { type Registrar, subcommand } from './register.js';

/** `etcdlab keys clean RUN_ID --endpoints ...`: the keys of a run that kept them (--keep-keys, or an older run). */
async function keysClean(runId: string, o: { endpoints: string } & TlsFiles): Promise<number> {
  const id = safeName(runId);
  if (!id.ok) throw new InputError(ErrorCodes.optionInvalid, `${JSON.stringify(runId)} is not a run id`, [{ field: 'RUN_ID', message: id.message, fix: 'the name of the run\'s results folder, e.g. 20261207-014929-04e5' }]);
  const tls = readTlsFiles(o);
  const endpoints = normalizeEndpoints(o.endpoints, tls !== undefined);
  await probeEndpoints(endpoints, tls);
  const r = await cleanRunKeys({ endpoints, ...(tls ? { tls } : {}), runId, logger: pino({ level: 'silent' }), note: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(`keys: ${r.deleted.toLocaleString('en-US')} deleted under ${r.prefix} in ${r.batches} batch(es), ${(r.durationMs / 1000).toFixed(1)} s\n`);
  if (r.error) {
    process.stderr.write(`error ${ErrorCodes.keysCleanupFailed}: not every key was deleted: ${r.error}\n`);
    return 1;
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
    .action(async (runId: string, o: { endpoints: string } & TlsFiles) => setExit(await keysClean(runId, o)));
};

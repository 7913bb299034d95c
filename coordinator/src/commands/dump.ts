/**
 * `etcdlab dump --endpoints ...`: a keyspace (or a prefix) to CSV or JSON lines at one revision, for
 * examination (the second seed's etcd-backup; docs/dump.md). Rows go to stdout or, with --out, to
 * FILE.partial, renamed to FILE once the dump reached the end: a FILE is always a whole dump.
 */
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { normalizeEndpoints, probeEndpoints, readTlsFiles, type TlsFiles } from '../cluster/external.js';
import { type DumpStop, dumpKeyspace, revisionProblem } from '../dump/dump-keyspace.js';
import { interruptSignal } from '../run/interrupt.js';
import type { DumpFormat } from '../dump/dump-rows.js';
import type { Registrar } from './register.js';

interface DumpCliOptions extends TlsFiles {
  endpoints: string;
  prefix: string;
  keysOnly?: boolean;
  format: string;
  out?: string;
  revision?: string;
}

function checked(o: DumpCliOptions): { format: DumpFormat; revision?: number } {
  if (o.format !== 'csv' && o.format !== 'jsonl') throw new InputError(ErrorCodes.optionInvalid, `invalid value for --format: ${JSON.stringify(o.format)}`, [{ field: '--format', message: 'csv or jsonl', fix: '--format csv (the default) or --format jsonl' }]);
  let revision: number | undefined;
  if (o.revision !== undefined) {
    revision = /^[1-9]\d{0,15}$/.test(o.revision) ? Number(o.revision) : NaN;
    if (!Number.isSafeInteger(revision)) throw new InputError(ErrorCodes.optionInvalid, `invalid value for --revision: ${JSON.stringify(o.revision)}`, [{ field: '--revision', message: 'a revision: a whole number from 1', fix: 'e.g. --revision 12345 (etcdctl endpoint status shows the current one); leave it out for the current revision' }]);
  }
  if (/[\u0000-\u001f\u007f]/.test(o.prefix)) throw new InputError(ErrorCodes.optionInvalid, 'invalid value for --prefix', [{ field: '--prefix', message: 'holds control characters', fix: 'a printable key prefix, e.g. --prefix /registry/' }]);
  if (o.out !== undefined) {
    const fix = 'name a new file in an existing folder, e.g. --out dump.csv';
    if (o.out === '' || o.out.endsWith('/')) throw new InputError(ErrorCodes.optionInvalid, 'invalid value for --out', [{ field: '--out', message: 'needs a file name', fix }]);
    if (existsSync(o.out)) throw new InputError(ErrorCodes.optionInvalid, `--out ${o.out} exists`, [{ field: '--out', message: `${o.out} is already there; a dump never overwrites a file`, fix: `remove it first, or ${fix}` }]);
    if (existsSync(`${o.out}.partial`)) throw new InputError(ErrorCodes.optionInvalid, `--out ${o.out}: ${o.out}.partial exists`, [{ field: '--out', message: `${o.out}.partial is what an earlier dump that stopped left`, fix: `remove ${o.out}.partial (or keep it elsewhere), or ${fix}` }]);
    const dir = dirname(o.out);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(ErrorCodes.optionInvalid, `--out ${o.out}: no folder ${dir}`, [{ field: '--out', message: `${dir} is not a folder`, fix }]);
  }
  return { format: o.format, ...(revision !== undefined ? { revision } : {}) };
}

const STOP_FIX: Record<DumpStop['cause'], string> = {
  interrupted: 'dump again to have every row',
  'output-closed': 'the reader stopped early (e.g. head); to keep every row, dump with --out FILE',
  output: 'make room (or choose another --out) and dump again',
  compacted: 'dump at a newer --revision (or leave it out), or pause compaction for a long dump',
  cluster: 'dump again once the cluster answers',
};

async function dump(o: DumpCliOptions): Promise<number> {
  const { format, revision } = checked(o);
  const tls = readTlsFiles(o);
  const endpoints = normalizeEndpoints(o.endpoints, tls !== undefined);
  await probeEndpoints(endpoints, tls);
  if (revision !== undefined) {
    const problem = await revisionProblem({ endpoints, ...(tls ? { tls } : {}), revision });
    if (problem) throw new InputError(ErrorCodes.optionInvalid, `--revision ${revision}: ${problem}`, [{ field: '--revision', message: problem, fix: 'a revision between the last compaction and the current one, or leave --revision out for the current one' }]);
  }
  const partial = o.out !== undefined ? `${o.out}.partial` : undefined;
  const out: Writable = partial ? createWriteStream(partial, { flags: 'wx' }) : process.stdout;
  // The first Ctrl-C (or SIGTERM) ends the dump after the page it is on, with whole rows; a second exits at once.
  const interrupt = interruptSignal(() => process.stderr.write('dump: interrupted; finishing the page it is on (Ctrl-C again to quit at once)\n'));
  const r = await dumpKeyspace({ signal: interrupt.signal, endpoints, ...(tls ? { tls } : {}), prefix: o.prefix, format, keysOnly: o.keysOnly === true, ...(revision !== undefined ? { revision } : {}), out, progress: (l) => process.stderr.write(`${l}\n`) });
  interrupt.dispose();
  if (partial) {
    // Flushed and closed (or failed: then r.stopped says why); finished() settles either way.
    out.end();
    await finished(out).catch((err: unknown) => (r.stopped ??= { cause: 'output', message: `the output could not be written: ${(err as Error).message}` }));
  }
  const s = Math.max(r.durationMs, 1) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const figures = `${r.rows.toLocaleString('en-US')} rows, ${(r.bytes / 1e6).toFixed(1)} MB of keys and values (${(r.written / 1e6).toFixed(1)} MB written) at revision ${r.revision} in ${s.toFixed(1)} s: ${Math.round(r.rows / s).toLocaleString('en-US')} rows/s, ${(r.bytes / 1e6 / s).toFixed(1)} MB/s, peak memory ${peakMb.toFixed(0)} MB`;
  if (r.stopped?.cause === 'interrupted') {
    process.stderr.write(`dump: interrupted after ${figures}${partial ? `; the rows read so far (whole rows) are in ${partial}` : ''}\n`);
    return 130;
  }
  if (r.stopped) {
    process.stderr.write(`error ${ErrorCodes.dumpFailed}: the dump stopped after ${figures}: ${r.stopped.message}\n${partial ? `  the rows read so far are in ${partial}\n` : ''}  fix: ${STOP_FIX[r.stopped.cause]}\n`);
    return 1;
  }
  if (partial && o.out) renameSync(partial, o.out);
  process.stderr.write(`dump: ${figures}${o.out ? ` -> ${o.out}` : ''}\n`);
  return 0;
}

export const registerDump: Registrar = (program, setExit) => {
  program
    .command('dump')
    .description('write a keyspace (or a prefix) to CSV or JSON lines at one consistent revision, page by page')
    .requiredOption('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .option('--prefix <prefix>', 'only the keys starting with it (default: every key)', '')
    .option('--keys-only', 'no values: key, revisions, version and lease')
    .option('--format <format>', 'csv (RFC 4180, a header line) or jsonl (one JSON object per line)', 'csv')
    .option('--out <file>', 'write to FILE (via FILE.partial, renamed when whole) instead of stdout')
    .option('--revision <n>', 'dump at this revision (not compacted) instead of the current one')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .action(async (o: DumpCliOptions) => setExit(await dump(o)));
};

import { rmSync } from 'node:fs';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { type CatalogEntry, listRuns } from '../results/catalog.js';
import { parseAge, parseSize, type PruneLimits, prunePlan } from '../results/prune-plan.js';
import { type Registrar, subcommand } from './register.js';

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

function printTable(rows: CatalogEntry[]): void {
  const head = ['run', 'name', 'tags', 'workload', 'cluster', 'status', 'verdict', 'size'];
  const cells = rows.map((r) => [r.runId, r.name ?? '', Object.entries(r.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(' '), r.workload, r.cluster, r.status, r.verdict ?? '', mb(r.bytes)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  for (const line of [head, ...cells]) process.stdout.write(line.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd() + '\n');
}

export const registerResults: Registrar = (program, setExit) => {
  const results = subcommand(program, 'results', 'the runs in a results folder: list them, prune old ones');
  results
    .command('list')
    .description('every run under --results: id, name, tags, workload, cluster, status, verdict, size')
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--json', 'print JSON', false)
    .action((o: { results: string; json: boolean }) => {
      const rows = listRuns(o.results);
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else if (rows.length === 0) process.stderr.write(`no runs under ${o.results}\n`);
      else {
        printTable(rows);
        process.stderr.write(`${rows.length} run(s), ${mb(rows.reduce((a, r) => a + r.bytes, 0))}\n`);
      }
      setExit(0);
    });
  results
    .command('prune')
    .description('remove the oldest runs until the limits hold (a running run is never removed)')
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--older-than <age>', 'remove runs older than this, e.g. 7d, 12h')
    .option('--keep-last <n>', 'keep the newest N runs')
    .option('--max-size <size>', 'remove the oldest runs until the rest take at most this, e.g. 2g')
    .option('--dry-run', 'print what would be removed and remove nothing', false)
    .action((o: { results: string; olderThan?: string; keepLast?: string; maxSize?: string; dryRun: boolean }) => {
      const limits: PruneLimits = {};
      const bad = (field: string, v: string, fix: string) => new InputError(ErrorCodes.optionInvalid, `invalid value for ${field}: ${JSON.stringify(v)}`, [{ field, message: v, fix }]);
      if (o.olderThan !== undefined) limits.olderThanMs = parseAge(o.olderThan) ?? (() => { throw bad('--older-than', o.olderThan as string, 'e.g. 7d, 12h or 30m'); })();
      if (o.keepLast !== undefined) {
        if (!/^\d{1,6}$/.test(o.keepLast)) throw bad('--keep-last', o.keepLast, 'a whole number, e.g. 20');
        limits.keepLast = Number(o.keepLast);
      }
      if (o.maxSize !== undefined) limits.maxBytes = parseSize(o.maxSize) ?? (() => { throw bad('--max-size', o.maxSize as string, 'e.g. 500m or 2g'); })();
      if (Object.keys(limits).length === 0) throw new InputError(ErrorCodes.optionInvalid, 'results prune needs a limit', [{ field: '--older-than / --keep-last / --max-size', message: 'none given', fix: 'e.g. etcdlab results prune --older-than 7d --dry-run' }]);
      const plan = prunePlan(listRuns(o.results), limits, Date.now());
      for (const r of plan.remove) {
        process.stderr.write(`${o.dryRun ? 'would remove' : 'removing'} ${r.runId} (${r.status}, ${mb(r.bytes)})\n`);
        if (!o.dryRun) rmSync(r.dir, { recursive: true, force: true });
      }
      const freed = plan.remove.reduce((a, r) => a + r.bytes, 0);
      process.stderr.write(`${plan.remove.length} run(s) ${o.dryRun ? 'would be removed' : 'removed'} (${mb(freed)}); ${plan.keep.length} kept${o.dryRun ? '; nothing was changed (--dry-run)' : ''}\n`);
      setExit(0);
    });
};

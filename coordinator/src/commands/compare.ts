import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, InputError } from '@etcdlab/common';
import Table from 'cli-table3';
import type { Registrar } from './register.js';
import { openInBrowser } from './report.js';
import { Progress } from '../output/progress.js';
import { checkOutDir } from './options.js';
import { compareTable, insights, repeatsTable } from '../report/compare/render.js';
import { type WrittenComparison, writeComparison } from '../report/compare/write.js';

export interface CompareOptions {
  out?: string;
  open: boolean;
  json: boolean;
}

/** The default output folder: next to the first run, named after the runs compared (stable). */
export function defaultCompareDir(dirs: readonly string[]): string {
  const abs = dirs.map((d) => resolve(d));
  return join(dirname(abs[0] as string), `compare-${createHash('sha256').update(abs.join('\n')).digest('hex').slice(0, 10)}`);
}

/** The comparison on the terminal: the same table as compare.html and compare.md, then the findings. */
export function printComparison(c: WrittenComparison, opts: { json: boolean }): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(c.model, null, 2) + '\n');
    return;
  }
  const t = compareTable(c.model);
  const table = new Table({ head: t.head, colAligns: t.numeric.map((n) => (n ? 'right' : 'left')), style: process.stdout.isTTY ? {} : { head: [], border: [] } });
  for (const r of t.rows) table.push(r);
  process.stdout.write(`\n${table.toString()}\n\n`);
  const rep = repeatsTable(c.model);
  if (rep) {
    const t2 = new Table({ head: rep.head, colAligns: rep.numeric.map((n) => (n ? 'right' : 'left')), style: process.stdout.isTTY ? {} : { head: [], border: [] } });
    for (const r of rep.rows) t2.push(r);
    process.stdout.write(`repeats: mean ± 95% confidence interval (min–max of the runs)\n${t2.toString()}\n\n`);
  }
  for (const i of insights(c.model)) process.stdout.write(`${i}\n`);
  process.stdout.write(`\ncomparison: ${join(c.dir, 'compare.html')} (and compare.png, compare.md, compare.json)\n`);
}

export async function compareCommand(dirs: string[], o: CompareOptions): Promise<number> {
  if (dirs.length < 2) throw new InputError(ErrorCodes.optionInvalid, `compare needs two results folders or more (${dirs.length} given)`, [{ field: 'DIR', message: dirs.join(' ') || 'none', fix: 'etcdlab compare results/<run-a> results/<run-b> ...' }]);
  checkOutDir(o.out);
  const same = dirs.map((d) => resolve(d)).find((d, i, all) => all.indexOf(d) !== i);
  if (same) throw new InputError(ErrorCodes.optionInvalid, `compare got ${same} twice`, [{ field: 'DIR', message: `${same} is given more than once`, fix: 'give each results folder once' }]);
  const progress = new Progress(process.stderr);
  const written = writeComparison(dirs, o.out ?? defaultCompareDir(dirs), (m) => progress.note(m));
  progress.done();
  printComparison(written, { json: o.json });
  if (o.open) openInBrowser(join(written.dir, 'compare.html'), progress);
  return 0;
}

export const registerCompare: Registrar = (program, setExit) => {
  program
    .command('compare')
    .description('compare runs (e.g. 1, 3, 5 and 7 members): table, scaling, USL fit, charts in HTML and PNG')
    .argument('<dirs...>', 'results folders (results/<run-id>)')
    .option('--out <dir>', 'where to write compare.html/.md/.json/.png (default: next to the first run)')
    .option('--open', 'open the HTML comparison in a browser', false)
    .option('--json', 'print only the comparison JSON on stdout', false)
    .action(async (dirs: string[], o: CompareOptions) => setExit(await compareCommand(dirs, o)));
};

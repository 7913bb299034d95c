import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, exitStatusOf, InputError, verdictLine } from '@etcdlab/common';
import { Option } from 'commander';
import type { Registrar } from './register.js';
import { Progress } from '../output/progress.js';
import { renderSummaryTable } from '../output/summary-table.js';
import { buildReport, type MergeMode, mergedRunId, mergeRuns, readRun, toRunSummary, writeReport, writeRun, type WrittenReport } from '../report/index.js';
import { allFlags } from '../report/render/key-table.js';

export interface ReportOptions {
  merge: boolean;
  /** Only with --merge; parallel when not given. */
  mode?: MergeMode;
  out?: string;
  open: boolean;
  json: boolean;
}

/** Opens a file with the desktop's handler; says where it is when there is none. Never fails the command. */
export function openInBrowser(file: string, progress: Progress): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [file], { detached: true, stdio: 'ignore' });
    child.on('error', () => progress.note(`could not start ${cmd}; open ${file} in a browser`));
    child.unref();
  } catch {
    progress.note(`open ${file} in a browser`);
  }
}

/** The terminal's view of a report: the run's table (same figures as the report's key table), verdict, doubts, flags. */
export function printReport(r: WrittenReport, opts: { json: boolean }): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(r.model, null, 2) + '\n');
    return;
  }
  const m = r.model;
  process.stdout.write(`\n${renderSummaryTable(r.summary, { color: Boolean(process.stdout.isTTY) })}\n\n`);
  process.stdout.write(`${verdictLine(r.summary)}\n`);
  for (const x of m.verdict.results.filter((x) => x.status !== 'pass')) process.stdout.write(`  ${x.status.toUpperCase()} ${x.rule} (${x.phase}/${x.op}): expected ${x.expected}, got ${x.actual}\n`);
  for (const p of m.verdict.problems) process.stdout.write(`  rule not read: ${p}\n`);
  for (const w of m.warnings) process.stdout.write(`warning: ${w.message}\n`);
  for (const f of allFlags(m)) process.stdout.write(`${f.level === 'bad' ? 'FLAG' : 'note'}: ${f.message}\n`);
  process.stdout.write(`\nreport: ${join(r.dir, 'index.html')}\n`);
}

/** The same exit status the run had (docs/results.md): read from the rebuilt summary. */
export const reportExitCode = (r: WrittenReport): number => exitStatusOf(r.summary);

export async function reportCommand(dirs: string[], o: ReportOptions): Promise<number> {
  const progress = new Progress(process.stderr);
  let written: WrittenReport;
  if (o.merge) {
    if (dirs.length < 2) throw new InputError(ErrorCodes.optionInvalid, '--merge needs two results folders or more', [{ field: 'DIR', message: `${dirs.length} given`, fix: 'etcdlab report --merge results/<run-a> results/<run-b>' }]);
    const runs = dirs.map((d) => {
      progress.note(`reading ${d} ...`);
      return readRun(d);
    });
    const mode = o.mode ?? 'parallel';
    const out = resolve(o.out ?? join(dirname(runs[0]?.dir ?? '.'), mergedRunId(runs.map((r) => r.runId), mode)));
    progress.note(`merging ${runs.length} runs (${mode}) into ${out} ...`);
    const merged = mergeRuns(runs, mode, out);
    writeRun(merged, toRunSummary(merged, buildReport(merged)));
    written = writeReport(out, { onProgress: (m) => progress.note(`  ${m}`) });
  } else {
    const mergeOnly = [o.out !== undefined ? '--out' : '', o.mode !== undefined ? '--mode' : ''].filter(Boolean);
    if (mergeOnly.length > 0) throw new InputError(ErrorCodes.optionInvalid, `${mergeOnly.join(' and ')} ${mergeOnly.length > 1 ? 'apply' : 'applies'} only with --merge`, [{ field: mergeOnly[0] as string, message: 'given without --merge', fix: 'add --merge and two results folders or more, or drop it' }]);
    if (dirs.length !== 1) throw new InputError(ErrorCodes.optionInvalid, `report takes one results folder (${dirs.length} given)`, [{ field: 'DIR', message: dirs.join(' ') || 'none', fix: 'etcdlab report results/<run-id>; to merge runs add --merge' }]);
    // Read (and refused) first: a bad folder's error is the first thing said.
    const raw = readRun(dirs[0] as string);
    progress.note(`rebuilding the report of ${resolve(dirs[0] as string)} ...`);
    written = writeReport(dirs[0] as string, { raw, onProgress: (m) => progress.note(`  ${m}`) });
  }
  progress.done();
  printReport(written, { json: o.json });
  if (o.open) openInBrowser(join(written.dir, 'index.html'), progress);
  return reportExitCode(written);
}

export const registerReport: Registrar = (program, setExit) => {
  program
    .command('report')
    .description('rebuild the HTML, Markdown, JSON and CSV report of a results folder from its raw data (or merge runs)')
    .argument('<dirs...>', 'results folder (results/<run-id>); several with --merge')
    .option('--merge', 'merge the raw data of several runs into a new results folder and report on it', false)
    .addOption(new Option('--mode <mode>', 'with --merge: parallel (runs at the same time, the default) or sequential (repeats)').choices(['parallel', 'sequential']))
    .option('--out <dir>', 'with --merge: the new results folder (default: next to the first, named after the runs)')
    .option('--open', 'open the HTML report in a browser', false)
    .option('--json', 'print only the report JSON on stdout', false)
    .action(async (dirs: string[], o: ReportOptions) => setExit(await reportCommand(dirs, o)));
};

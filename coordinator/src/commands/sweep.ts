import { join, resolve } from 'node:path';
import { ErrorCodes, InputError, type Workload } from '@etcdlab/common';
import { Option } from 'commander';
import { defaultCompareDir, printComparison } from './compare.js';
import { intOption } from './options.js';
import { runOnLocalCluster } from './quickstart.js';
import type { Registrar } from './register.js';
import { openInBrowser } from './report.js';
import { loadWorkloadFile, newRunId } from './run-support.js';
import { Progress } from '../output/progress.js';
import { writeComparison } from '../report/compare/write.js';
import { defaultSuite } from '../paths.js';

export interface SweepOptions {
  workload?: string;
  members?: number[];
  clients?: number[];
  phase?: string;
  clusterMembers: number;
  agents: number;
  quick: boolean;
  results: string;
  out?: string;
  open: boolean;
  json: boolean;
}

/** A commander parser for a comma-separated list of whole numbers within [min, max]. */
export function intListOption(flag: string, min: number, max: number) {
  return (value: string): number[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const nums = items.map(Number);
    if (items.length === 0 || items.some((s) => !/^\d+$/.test(s)) || nums.some((n) => n < min || n > max) || new Set(nums).size !== nums.length)
      throw new InputError(ErrorCodes.optionInvalid, `invalid value for ${flag}: "${value}"`, [{ field: flag, message: `a comma-separated list of different whole numbers from ${min} to ${max}`, fix: `e.g. ${flag} ${flag === '--members' ? '1,3,5,7' : '1,2,4,8,16'}` }]);
    return nums;
  };
}

/** The workload with `clients` set on the swept phases (connections follow, as the workload file would). */
export function withClients(w: Workload, clients: number, phase?: string): Workload {
  return {
    ...w,
    phases: w.phases.map((p) => {
      if (phase && p.name !== phase) return p;
      // A phase that used the default connections (min(clients, 10)) keeps that rule; a fixed one is capped.
      const defaulted = p.connections === Math.min(p.clients, 10);
      return { ...p, clients, connections: defaulted ? Math.min(clients, 10) : Math.min(p.connections, clients) };
    }),
  };
}

/** Checks the options before anything starts; returns the points of the sweep. */
export function sweepPlan(o: SweepOptions, w: Workload): { label: string; members: number; workload: Workload }[] {
  if ((o.members === undefined) === (o.clients === undefined))
    throw new InputError(ErrorCodes.optionInvalid, 'sweep needs exactly one of --members and --clients', [{ field: o.members ? '--clients' : '--members', message: o.members ? 'both given' : 'neither given', fix: 'e.g. --members 1,3,5 or --clients 1,2,4,8,16' }]);
  if (o.phase && !w.phases.some((p) => p.name === o.phase))
    throw new InputError(ErrorCodes.optionInvalid, `no phase named "${o.phase}" in ${w.source}`, [{ field: '--phase', message: o.phase, fix: `use one of: ${w.phases.map((p) => p.name).join(', ')}` }]);
  if (o.members) return o.members.map((m) => ({ label: `${m} member(s)`, members: m, workload: w }));
  return (o.clients as number[]).map((c) => ({ label: `${c} client(s)`, members: o.clusterMembers, workload: withClients(w, c, o.phase) }));
}

/**
 * One workload over several cluster sizes or client counts, each on a fresh local cluster, then the
 * comparison of all of them (compare.html/.md/.json/.png). A point that fails is reported and left out;
 * the exit status is then 1.
 */
export async function sweepCommand(o: SweepOptions): Promise<number> {
  const workload = loadWorkloadFile(o.workload ?? defaultSuite, o.quick);
  const plan = sweepPlan(o, workload);
  const progress = new Progress(process.stderr);
  const dirs: string[] = [];
  let failed = 0;
  for (const [i, point] of plan.entries()) {
    progress.note(`\n[${i + 1}/${plan.length}] ${point.label}: ${workload.name}`);
    const { summary, error } = await runOnLocalCluster({ members: point.members, agents: o.agents, keep: false, results: o.results }, point.workload);
    if (error || summary.status !== 'completed' || !summary.integrity.ok) {
      failed++;
      progress.note(`[${i + 1}/${plan.length}] ${point.label}: ${summary.status}${error ? `: ${error.message}` : ''}${summary.integrity.ok ? '' : ' (results do not add up)'}; left out of the comparison`);
      if (summary.status === 'aborted') break;
      continue;
    }
    progress.note(`[${i + 1}/${plan.length}] ${point.label}: ${summary.phases.reduce((a, p) => a + p.all.count, 0)} ops, results ${summary.runDir}`);
    dirs.push(summary.runDir);
  }
  if (dirs.length === 0) {
    progress.note('sweep: no point completed; nothing to compare');
    return 1;
  }
  const out = o.out ?? (dirs.length > 1 ? defaultCompareDir(dirs) : join(resolve(o.results), `sweep-${newRunId()}`));
  progress.note(`\ncomparing ${dirs.length} run(s) ...`);
  const written = writeComparison(dirs, out, (m) => progress.note(`  ${m}`));
  progress.done();
  printComparison(written, { json: o.json });
  if (o.open) openInBrowser(join(written.dir, 'compare.html'), progress);
  return failed ? 1 : 0;
}

export const registerSweep: Registrar = (program, setExit) => {
  program
    .command('sweep')
    .description('run one workload over several cluster sizes or client counts on local clusters, then compare them')
    .option('-w, --workload <file>', 'workload file (default: workloads/suite.yaml)')
    .addOption(new Option('--members <list>', 'cluster sizes, e.g. 1,3,5,7').argParser(intListOption('--members', 1, 7)))
    .addOption(new Option('--clients <list>', 'client counts, e.g. 1,2,4,8,16,32').argParser(intListOption('--clients', 1, 10_000)))
    .option('--phase <name>', 'with --clients: the phase whose clients vary (default: every phase)')
    .addOption(new Option('--cluster-members <n>', 'with --clients: cluster size (1..7)').argParser(intOption('--cluster-members', 1, 7)).default(3))
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', "apply the workload's quick overrides", false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--out <dir>', 'where to write the comparison (default: next to the runs)')
    .option('--open', 'open the HTML comparison in a browser', false)
    .option('--json', 'print only the comparison JSON on stdout', false)
    .action(async (o: SweepOptions) => setExit(await sweepCommand(o)));
};

import { join, resolve } from 'node:path';
import { ErrorCodes, InputError, overridesOf, type Workload, type WorkloadOverrides } from '@etcdlab/common';
import { Option } from 'commander';
import { defaultCompareDir, printComparison } from './compare.js';
import { addLabelOptions, addOverrideOptions, checkOutDir, intOption, runLabels } from './options.js';
import type { Registrar } from './register.js';
import { openInBrowser } from './report.js';
import { loadWorkloadFile } from './workload-file.js';
import { chooseCluster } from './cluster-choice.js';
import { Progress } from '../output/progress.js';
import { interruptSignal } from '../run/interrupt.js';
import { liveViewNote, openLiveViewFor, runOnce } from '../run/run-command.js';
import { addLiveListenOption, parseLiveListen } from '../live/listen-option.js';
import { checkResultsRoot } from '../run/run-folder.js';
import { newRunId } from '../run/run-folder.js';
import type { ClusterSource } from '../cluster/target.js';
import { writeComparison } from '../report/compare/write.js';
import { defaultSuite } from '../paths.js';

export interface SweepOptions extends Omit<WorkloadOverrides, 'clients'> {
  workload?: string;
  members?: number[];
  clients?: number[];
  phase?: string;
  /** Runs per point (interleaved: every point once, then every point again). */
  repeat: number;
  clusterMembers: number;
  agents: number;
  quick: boolean;
  results: string;
  inventory?: string;
  endpoints?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  acceptNew?: boolean;
  out?: string;
  open: boolean;
  json: boolean;
  name?: string;
  tag?: string[];
  /** --metrics-listen (default: loopback, any free port). */
  metricsListen?: string;
}

/** A commander parser for a comma-separated list of whole numbers within [min, max]. */
export function intListOption(flag: string, min: number, max: number) {
  return (value: string): number[] => {
    // Every item counts: "1,,3" is a typo, not 1 and 3.
    const items = value.split(',').map((s) => s.trim());
    const nums = items.map(Number);
    if (items.length === 0 || items.length > 64 || items.some((s) => !/^\d{1,6}$/.test(s)) || nums.some((n) => n < min || n > max) || new Set(nums).size !== nums.length)
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

/**
 * Checks the options before anything starts; returns the runs of the sweep in order (members: a fresh
 * cluster of that size). With --repeat N every point is run once, then every point again, N rounds: a
 * drift of the machine over the sweep (a neighbour, a warming disk) spreads over all points instead of
 * landing on one.
 */
export function sweepPlan(o: SweepOptions, w: Workload, source: Pick<ClusterSource, 'provider' | 'sizes'> = { provider: 'local', sizes: { min: 1, max: 7 } }): { label: string; members?: number; workload: Workload }[] {
  const points = sweepPoints(o, w, source);
  const n = o.repeat ?? 1;
  if (n <= 1) return points;
  return Array.from({ length: n }, (_, round) => points.map((p) => ({ ...p, label: `${p.label}, repeat ${round + 1}/${n}` }))).flat();
}

function sweepPoints(o: SweepOptions, w: Workload, source: Pick<ClusterSource, 'provider' | 'sizes'>): { label: string; members?: number; workload: Workload }[] {
  if ((o.members === undefined) === (o.clients === undefined))
    throw new InputError(ErrorCodes.optionInvalid, 'sweep needs exactly one of --members and --clients', [{ field: o.members ? '--clients' : '--members', message: o.members ? 'both given' : 'neither given', fix: 'e.g. --members 1,3,5 or --clients 1,2,4,8,16' }]);
  if (o.phase && !w.phases.some((p) => p.name === o.phase))
    throw new InputError(ErrorCodes.optionInvalid, `no phase named "${o.phase}" in ${w.source}`, [{ field: '--phase', message: o.phase, fix: `use one of: ${w.phases.map((p) => p.name).join(', ')}` }]);
  if (o.members) {
    const { sizes } = source;
    if (!sizes)
      throw new InputError(ErrorCodes.optionInvalid, `sweep --members needs a cluster etcdlab can resize; the ${source.provider} cluster has the size it has`, [{ field: '--members', message: `provider ${source.provider}`, fix: 'sweep --clients on this cluster, or sweep --members on a local, docker or ssh cluster' }]);
    const bad = o.members.filter((m) => m < sizes.min || m > sizes.max);
    if (bad.length)
      throw new InputError(ErrorCodes.optionInvalid, `sweep --members ${bad.join(',')}: the ${source.provider} cluster can have ${sizes.min} to ${sizes.max} member(s)`, [{ field: '--members', message: bad.join(', '), fix: `sizes from ${sizes.min} to ${sizes.max}` }]);
    return o.members.map((m) => ({ label: `${m} member(s)`, members: m, workload: w }));
  }
  // A local cluster is fresh for every point; an existing one is used as it is.
  const members = source.provider === 'local' ? o.clusterMembers : undefined;
  return (o.clients as number[]).map((c) => ({ label: `${c} client(s)`, ...(members !== undefined ? { members } : {}), workload: withClients(w, c, o.phase) }));
}

/**
 * One workload over several cluster sizes or client counts, then the comparison of all of them
 * (compare.html/.md/.json/.png). Each point is one run through the run path: on a fresh local cluster
 * (the default), or on the inventory's docker or ssh cluster (recreated with each size for --members),
 * or on --endpoints (--clients only). A point that fails is reported and left out; the exit status is then 1.
 */
export async function sweepCommand(o: SweepOptions): Promise<number> {
  const liveListen = parseLiveListen(o.metricsListen);
  // The overrides (all but --clients, which a sweep varies) apply to --phase when it is given.
  const workload = loadWorkloadFile(o.workload ?? defaultSuite, o.quick, overridesOf({ ...o, clients: undefined }));
  const { source, fleet, precheck } = chooseCluster({ ...o, local: { members: o.clusterMembers } });
  const plan = sweepPlan(o, workload, source);
  const labels = runLabels(o);
  checkResultsRoot(o.results);
  checkOutDir(o.out);
  // One live view for the whole sweep, each run shown in turn; opened before anything starts (a port in use is bad input).
  const view = await openLiveViewFor(liveListen);
  try {
    return await sweepRuns(o, { workload, plan, labels, source, fleet, ...(precheck ? { precheck } : {}) }, view);
  } finally {
    await view?.close();
  }
}

async function sweepRuns(o: SweepOptions, s: { workload: Workload; plan: ReturnType<typeof sweepPlan>; labels: ReturnType<typeof runLabels>; source: ClusterSource; fleet: ReturnType<typeof chooseCluster>['fleet']; precheck?: () => Promise<void> }, view: Awaited<ReturnType<typeof openLiveViewFor>>): Promise<number> {
  const { workload, plan, labels, source, fleet, precheck } = s;
  await precheck?.();
  const progress = new Progress(process.stderr);
  await source.precheck((l) => progress.note(l));
  if (view) progress.note(liveViewNote(view));
  const interrupt = interruptSignal(() => progress.note('interrupted: stopping the sweep and keeping what was measured (Ctrl-C again to quit at once)'));
  const dirs: string[] = [];
  let failed = 0;
  try {
    for (const [i, point] of plan.entries()) {
      if (interrupt.signal.aborted) break;
      progress.note(`\n[${i + 1}/${plan.length}] ${point.label}: ${workload.name}`);
      const { summary, error } = await runOnce(
        { invocation: { command: 'sweep', point: point.label, ...o }, workload: point.workload, resultsRoot: o.results, source, fleet, labels, ...(point.members !== undefined ? { members: point.members } : {}) },
        progress,
        interrupt.signal,
        view,
      );
      if (!summary || error || summary.status !== 'completed' || !summary.integrity.ok) {
        failed++;
        progress.note(`[${i + 1}/${plan.length}] ${point.label}: ${summary?.status ?? 'not run'}${error ? `: ${error.message}` : ''}${!summary || summary.integrity.ok ? '' : ' (results do not add up)'}; left out of the comparison`);
        if (summary?.status === 'aborted' || interrupt.signal.aborted) break;
        continue;
      }
      progress.note(`[${i + 1}/${plan.length}] ${point.label}: ${summary.phases.reduce((a, p) => a + p.all.count, 0)} ops, results ${summary.runDir}`);
      dirs.push(summary.runDir);
    }
  } finally {
    interrupt.dispose();
  }
  if (dirs.length === 0) {
    progress.note('sweep: no point completed; nothing to compare');
    return interrupt.signal.aborted ? 130 : 1;
  }
  const out = o.out ?? (dirs.length > 1 ? defaultCompareDir(dirs) : join(resolve(o.results), `sweep-${newRunId()}`));
  progress.note(`\ncomparing ${dirs.length} run(s) ...`);
  const written = writeComparison(dirs, out, (m) => progress.note(`  ${m}`));
  progress.done();
  printComparison(written, { json: o.json });
  if (o.open) openInBrowser(join(written.dir, 'compare.html'), progress);
  return interrupt.signal.aborted ? 130 : failed ? 1 : 0;
}

export const registerSweep: Registrar = (program, setExit) => {
  const cmd = program
    .command('sweep')
    .description('run one workload over several cluster sizes or client counts (local, docker or ssh clusters), then compare them')
    .option('-w, --workload <file>', 'workload file (default: workloads/suite.yaml)')
    .option('-i, --inventory <file>', 'a docker or ssh inventory: sweep its cluster (recreated with each size for --members)')
    .option('--endpoints <list>', 'an existing cluster (--clients only)')
    .option('--cacert <file>', 'with --endpoints: CA bundle (switches endpoints to https)')
    .option('--cert <file>', 'with --endpoints: client certificate (PEM)')
    .option('--key <file>', 'with --endpoints: client key (PEM)')
    .option('--accept-new', 'ssh: record unknown host keys in .etcdlab/known_hosts instead of refusing them')
    .addOption(new Option('--members <list>', 'cluster sizes, e.g. 1,3,5,7').argParser(intListOption('--members', 1, 7)))
    .addOption(new Option('--clients <list>', 'client counts, e.g. 1,2,4,8,16,32').argParser(intListOption('--clients', 1, 10_000)))
    .option('--phase <name>', 'with --clients: the phase whose clients vary (default: every phase)')
    .addOption(new Option('--repeat <n>', 'runs per point (1..20), interleaved; the comparison shows each point\'s mean, 95% confidence interval and range').argParser(intOption('--repeat', 1, 20)).default(1))
    .addOption(new Option('--cluster-members <n>', 'with --clients on a local cluster: its size (1..7)').argParser(intOption('--cluster-members', 1, 7)).default(3))
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', "apply the workload's quick overrides", false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--out <dir>', 'where to write the comparison (default: next to the runs)')
    .option('--open', 'open the HTML comparison in a browser', false)
    .option('--json', 'print only the comparison JSON on stdout', false);
  addLiveListenOption(addLabelOptions(addOverrideOptions(cmd, { clients: false }))).action(async (o: SweepOptions) => setExit(await sweepCommand(o)));
};

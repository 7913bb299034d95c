import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { ErrorCodes, InputError, OVERRIDE_KEYS, overridesOf, safeName, type WorkloadOverrides } from '@etcdlab/common';
import { loadResumeState, type ResumeState } from '../run/resume.js';
import { addLabelOptions, addOverrideOptions, intOption, runLabels } from './options.js';
import type { Registrar } from './register.js';
import { runCommand } from '../run/run-command.js';
import { chooseCluster } from './cluster-choice.js';
import { loadWorkloadFile } from './workload-file.js';
import { addLiveListenOption, parseLiveListen } from '../live/listen-option.js';

export interface RunOptions extends WorkloadOverrides {
  endpoints?: string;
  inventory?: string;
  workload?: string;
  resume?: string;
  runId?: string;
  keepKeys?: boolean;
  cleanKeys?: boolean;
  compact?: boolean;
  defrag?: boolean;
  name?: string;
  tag?: string[];
  agents: number;
  quick: boolean;
  json: boolean;
  results: string;
  cacert?: string;
  cert?: string;
  key?: string;
  acceptNew?: boolean;
  /** --metrics-listen (default: loopback, any free port). */
  metricsListen?: string;
}

/** `etcdlab run`: a workload on a cluster given by --endpoints or by an inventory (-i). */
export async function runWorkloadCommand(o: RunOptions): Promise<number> {
  if (!o.workload) throw new InputError(ErrorCodes.optionInvalid, 'no workload given', [{ field: '-w, --workload', message: 'required', fix: 'etcdlab run -w FILE ... (or run --resume FOLDER to continue a run)' }]);
  if (o.runId !== undefined) {
    const id = safeName(o.runId);
    if (!id.ok) throw new InputError(ErrorCodes.optionInvalid, `--run-id ${JSON.stringify(o.runId)} is not a run id`, [{ field: '--run-id', message: id.message, fix: id.fix }]);
    // The same command started again (by a service manager) continues its unfinished run.
    const dir = resolve(o.results, o.runId);
    if (existsSync(join(dir, 'manifest.json'))) return resumeNamedRun(dir, o);
  }
  // Everything that can be wrong with the input is checked before anything starts.
  const liveListen = parseLiveListen(o.metricsListen);
  const workload = loadWorkloadFile(o.workload, o.quick, overridesOf({ ...o }));
  const choice = chooseCluster(o);
  const cleanKeys = cleanKeysFor(o);
  const reclaim = reclaimFor(o, cleanKeys);
  const labels = runLabels(o);
  // The directory it ran in: a resume resolves the recorded relative paths against it.
  return runCommand({ invocation: { command: 'run', ...o, cwd: process.cwd() }, workload, resultsRoot: o.results, ...(o.runId ? { runId: o.runId } : {}), cleanKeys, ...(reclaim ? { reclaim } : {}), labels, liveListen, ...choice }, { json: o.json });
}

/** A cluster given by --endpoints is the user's own: its run's keys are deleted at the end unless --keep-keys. */
function cleanKeysFor(o: Pick<RunOptions, 'endpoints' | 'keepKeys' | 'cleanKeys'>): boolean {
  if (o.keepKeys && o.cleanKeys) throw new InputError(ErrorCodes.optionInvalid, 'give --keep-keys or --clean-keys, not both', [{ field: '--keep-keys / --clean-keys', message: 'both given', fix: 'keep one of them' }]);
  return o.cleanKeys === true || (o.endpoints !== undefined && o.keepKeys !== true);
}

/** --compact / --defrag: after the cleanup only (the space they give back is the deleted keys'). */
function reclaimFor(o: Pick<RunOptions, 'compact' | 'defrag'>, cleanKeys: boolean): 'compact' | 'defrag' | undefined {
  const asked = o.defrag ? 'defrag' : o.compact ? 'compact' : undefined;
  if (asked && !cleanKeys)
    throw new InputError(ErrorCodes.optionInvalid, `--${asked} comes after the run's keys are deleted, and they are kept here`, [{ field: `--${asked}`, message: 'the keys are kept (--keep-keys, or an inventory\'s cluster without --clean-keys)', fix: `drop --keep-keys, or add --clean-keys on an inventory's cluster; or later: etcdlab keys clean RUN_ID --endpoints ... --${asked}` }]);
  return asked;
}

/** The options that decide what a run is: a named run started again with others is another run. */
const DEFINING = ['workload', 'inventory', 'endpoints', 'agents', 'quick', 'cacert', 'cert', 'key', ...OVERRIDE_KEYS, 'phase'] as const;

async function resumeNamedRun(dir: string, o: RunOptions): Promise<number> {
  const state = loadResumeState(dir, loadWorkloadFile);
  const now: Record<string, unknown> = { ...o };
  for (const k of ['workload', 'inventory', 'cacert', 'cert', 'key'] as const) if (typeof now[k] === 'string') now[k] = resolve(now[k] as string);
  const differ = DEFINING.filter((k) => JSON.stringify(now[k]) !== JSON.stringify(state.invocation[k]));
  if (differ.length)
    throw new InputError(ErrorCodes.resumeRefused, `run ${state.runId} was started with other options: ${differ.map((k) => `--${k}`).join(', ')}`, [
      { file: join(dir, 'manifest.json'), field: `invocation.${differ[0]}`, message: `recorded ${JSON.stringify(state.invocation[differ[0] as string])}, given ${JSON.stringify(now[differ[0] as string])}`, fix: 'start it again with the options it was started with, or give another --run-id' },
    ]);
  return resumeState(state, o);
}

/** The options a resume takes from the folder: giving them again would be a second truth. */
const FROM_THE_FOLDER = ['endpoints', 'inventory', 'workload', 'agents', 'quick', 'results', 'cacert', 'cert', 'key', 'run-id', 'keep-keys', 'clean-keys', 'compact', 'defrag', 'name', 'tag', 'clients', 'connections', 'rate', 'duration', 'total', 'value-size', 'key-space', 'phase'] as const;

/** `etcdlab run --resume FOLDER`: the run of that folder continued by this coordinator (docs/resilience.md). */
export async function resumeRunCommand(folder: string, o: RunOptions, given: (name: string) => boolean): Promise<number> {
  const extra = FROM_THE_FOLDER.filter((k) => given(k));
  if (extra.length)
    throw new InputError(ErrorCodes.resumeRefused, `--resume takes the run's options from its folder; ${extra.map((k) => `--${k}`).join(', ')} cannot be given beside it`, [
      { field: extra.map((k) => `--${k}`).join(', '), message: 'given with --resume', fix: `etcdlab run --resume ${folder} [--json] [--accept-new]` },
    ]);
  return resumeState(loadResumeState(folder, loadWorkloadFile), o);
}

function resumeState(state: ResumeState, o: RunOptions): Promise<number> {
  // Not of the folder: where this coordinator shows the run.
  const liveListen = parseLiveListen(o.metricsListen);
  const inv = state.invocation as unknown as RunOptions;
  const choice = chooseCluster({ ...inv, ...(o.acceptNew ? { acceptNew: true } : {}) });
  const cleanKeys = cleanKeysFor(inv);
  const reclaim = reclaimFor(inv, cleanKeys);
  return runCommand({ invocation: state.invocation, workload: state.workload, resultsRoot: String(inv.results), resume: state, cleanKeys, ...(reclaim ? { reclaim } : {}), labels: runLabels(inv), liveListen, ...choice }, { json: o.json });
}

export const registerRun: Registrar = (program, setExit) => {
  const cmd = program
    .command('run')
    .description('run a workload: local agents against --endpoints, or a docker or ssh inventory\'s cluster (-i)')
    .option('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .option('-i, --inventory <file>', 'inventory: a docker cluster (local agents), or an ssh cluster with the agents installed by `etcdlab agents install`')
    .option('-w, --workload <file>', 'workload file')
    .option('--resume <folder>', 'continue the unfinished run of a results folder whose coordinator was killed (its options come from the folder)')
    .option('--run-id <id>', 'name the run (its folder under --results); started again with the same options, an unfinished run is resumed (for a service manager)')
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'apply the workload\'s quick overrides', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--accept-new', 'ssh: record unknown host keys in .etcdlab/known_hosts instead of refusing them')
    .option('--keep-keys', "leave the run's keys in the cluster (with --endpoints they are deleted at the end)")
    .option('--clean-keys', "delete the run's keys at the end on an inventory's cluster too")
    .option('--compact', "after the keys are deleted, compact the cluster's history at its current revision")
    .option('--defrag', 'after the keys are deleted, compact and defragment each member in turn: the database files shrink, the space given back is reported');
  addLiveListenOption(addLabelOptions(addOverrideOptions(cmd, { clients: true }))).action(async (o: RunOptions, c: Command) => setExit(o.resume ? await resumeRunCommand(o.resume, o, (k) => c.getOptionValueSource(camel(k)) === 'cli') : await runWorkloadCommand(o)));
};

const camel = (k: string): string => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

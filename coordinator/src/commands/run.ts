import { type Command, Option } from 'commander';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { loadResumeState } from '../run/resume.js';
import { intOption } from './options.js';
import type { Registrar } from './register.js';
import { runCommand } from '../run/run-command.js';
import { chooseCluster } from './cluster-choice.js';
import { loadWorkloadFile } from './workload-file.js';

export interface RunOptions {
  endpoints?: string;
  inventory?: string;
  workload?: string;
  resume?: string;
  agents: number;
  quick: boolean;
  json: boolean;
  results: string;
  cacert?: string;
  cert?: string;
  key?: string;
  acceptNew?: boolean;
}

/** `etcdlab run`: a workload on a cluster given by --endpoints or by an inventory (-i). */
export async function runWorkloadCommand(o: RunOptions): Promise<number> {
  if (!o.workload) throw new InputError(ErrorCodes.optionInvalid, 'no workload given', [{ field: '-w, --workload', message: 'required', fix: 'etcdlab run -w FILE ... (or run --resume FOLDER to continue a run)' }]);
  // Everything that can be wrong with the input is checked before anything starts.
  const workload = loadWorkloadFile(o.workload, o.quick);
  const choice = chooseCluster(o);
  // The directory it ran in: a resume resolves the recorded relative paths against it.
  return runCommand({ invocation: { command: 'run', ...o, cwd: process.cwd() }, workload, resultsRoot: o.results, ...choice }, { json: o.json });
}

/** The options a resume takes from the folder: giving them again would be a second truth. */
const FROM_THE_FOLDER = ['endpoints', 'inventory', 'workload', 'agents', 'quick', 'results', 'cacert', 'cert', 'key'] as const;

/** `etcdlab run --resume FOLDER`: the run of that folder continued by this coordinator (docs/resilience.md). */
export async function resumeRunCommand(folder: string, o: RunOptions, given: (name: string) => boolean): Promise<number> {
  const extra = FROM_THE_FOLDER.filter((k) => given(k));
  if (extra.length)
    throw new InputError(ErrorCodes.resumeRefused, `--resume takes the run's options from its folder; ${extra.map((k) => `--${k}`).join(', ')} cannot be given beside it`, [
      { field: extra.map((k) => `--${k}`).join(', '), message: 'given with --resume', fix: `etcdlab run --resume ${folder} [--json] [--accept-new]` },
    ]);
  const state = loadResumeState(folder, loadWorkloadFile);
  const inv = state.invocation as unknown as RunOptions;
  const choice = chooseCluster({ ...inv, ...(o.acceptNew ? { acceptNew: true } : {}) });
  return runCommand({ invocation: state.invocation, workload: state.workload, resultsRoot: String(inv.results), resume: state, ...choice }, { json: o.json });
}

export const registerRun: Registrar = (program, setExit) => {
  program
    .command('run')
    .description('run a workload: local agents against --endpoints, or a docker or ssh inventory\'s cluster (-i)')
    .option('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .option('-i, --inventory <file>', 'inventory: a docker cluster (local agents), or an ssh cluster with the agents installed by `etcdlab agents install`')
    .option('-w, --workload <file>', 'workload file')
    .option('--resume <folder>', 'continue the unfinished run of a results folder whose coordinator was killed (its options come from the folder)')
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'apply the workload\'s quick overrides', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--accept-new', 'ssh: record unknown host keys in .etcdlab/known_hosts instead of refusing them')
    .action(async (o: RunOptions, cmd: Command) => setExit(o.resume ? await resumeRunCommand(o.resume, o, (k) => cmd.getOptionValueSource(camel(k)) === 'cli') : await runWorkloadCommand(o)));
};

const camel = (k: string): string => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

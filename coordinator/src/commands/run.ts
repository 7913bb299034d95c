import { Option } from 'commander';
import { intOption } from './options.js';
import type { Registrar } from './register.js';
import { runCommand } from '../run/run-command.js';
import { chooseCluster } from './cluster-choice.js';
import { loadWorkloadFile } from './workload-file.js';

export interface RunOptions {
  endpoints?: string;
  inventory?: string;
  workload: string;
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
  // Everything that can be wrong with the input is checked before anything starts.
  const workload = loadWorkloadFile(o.workload, o.quick);
  const choice = chooseCluster(o);
  return runCommand({ invocation: { command: 'run', ...o }, workload, resultsRoot: o.results, ...choice }, { json: o.json });
}

export const registerRun: Registrar = (program, setExit) => {
  program
    .command('run')
    .description('run a workload: local agents against --endpoints, or a docker or ssh inventory\'s cluster (-i)')
    .option('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .option('-i, --inventory <file>', 'inventory: a docker cluster (local agents), or an ssh cluster with the agents installed by `etcdlab agents install`')
    .requiredOption('-w, --workload <file>', 'workload file')
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'apply the workload\'s quick overrides', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--accept-new', 'ssh: record unknown host keys in .etcdlab/known_hosts instead of refusing them')
    .action(async (o: RunOptions) => setExit(await runWorkloadCommand(o)));
};

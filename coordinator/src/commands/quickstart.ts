import { Option } from 'commander';
import { overridesOf, type WorkloadOverrides } from '@etcdlab/common';
import { addLabelOptions, addOverrideOptions, intOption, runLabels } from './options.js';
import type { Registrar } from './register.js';
import { defaultSuite } from '../paths.js';
import { runCommand } from '../run/run-command.js';
import { chooseCluster } from './cluster-choice.js';
import { loadWorkloadFile } from './workload-file.js';
import { addLiveListenOption, parseLiveListen } from '../live/listen-option.js';

export interface QuickstartOptions extends WorkloadOverrides {
  members: number;
  agents: number;
  quick: boolean;
  keep: boolean;
  json: boolean;
  workload?: string;
  results: string;
  basePort?: number;
  name?: string;
  tag?: string[];
  /** --metrics-listen (default: loopback, any free port). */
  metricsListen?: string;
}

/**
 * The whole loop on this machine: a local cluster, local agents, the workload (the standard suite by
 * default), the results folder, and the cluster removed again unless --keep.
 */
export async function quickstart(o: QuickstartOptions): Promise<number> {
  // Everything that can be wrong with the input is checked before anything starts.
  const liveListen = parseLiveListen(o.metricsListen);
  const workload = loadWorkloadFile(o.workload ?? defaultSuite, o.quick, overridesOf({ ...o }));
  const labels = runLabels(o);
  const { source, fleet } = chooseCluster({ agents: o.agents, local: { members: o.members, ...(o.basePort !== undefined ? { basePort: o.basePort } : {}) } });
  return runCommand({ invocation: { command: 'quickstart', ...o }, workload, resultsRoot: o.results, source, fleet, members: o.members, keep: o.keep, labels, liveListen }, { json: o.json });
}

export const registerQuickstart: Registrar = (program, setExit) => {
  const cmd = program
    .command('quickstart')
    .description('run a local etcd cluster, local agents and the standard suite on this machine')
    .addOption(new Option('--members <n>', 'etcd members (1..7)').argParser(intOption('--members', 1, 7)).default(3))
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'short phases (under a minute in all)', false)
    .option('--keep', 'leave the cluster running and print its endpoints', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('-w, --workload <file>', 'workload file (default: workloads/suite.yaml)')
    .option('--results <dir>', 'folder for run results', 'results')
    .addOption(new Option('--base-port <port>', 'fixed ports: client base+2i, peer base+2i+1 (default: free ports)').argParser(intOption('--base-port', 1024, 65000)));
  addLiveListenOption(addLabelOptions(addOverrideOptions(cmd, { clients: true }))).action(async (o: QuickstartOptions) => setExit(await quickstart(o)));
};

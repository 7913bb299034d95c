import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type RunSummary, type Workload } from '@etcdlab/common';
import { Option } from 'commander';
import { intOption } from './options.js';
import type { Registrar } from './register.js';
import { Progress } from '../output/progress.js';
import { defaultSuite } from '../paths.js';
import type { ClusterHandle } from '../providers/types.js';
import { findEtcdBinary, startLocalCluster } from '../providers/local/index.js';
import { executeRun } from '../run/run-session.js';
import { createRunDir, createRunLogger, interruptSignal, loadWorkloadFile, reportOutcome } from './run-support.js';
import { warnEvenSize } from '../providers/cluster-size.js';

export interface QuickstartOptions {
  members: number;
  agents: number;
  quick: boolean;
  keep: boolean;
  json: boolean;
  workload?: string;
  results: string;
  basePort?: number;
}

/**
 * The whole loop on this machine: a local cluster, local agents, the workload (the standard suite by
 * default), the results folder, and the cluster removed again unless --keep.
 */
export async function quickstart(o: QuickstartOptions): Promise<number> {
  // Everything that can be wrong with the input is checked before anything starts.
  const workload = loadWorkloadFile(o.workload ?? defaultSuite, o.quick);
  const { summary, error } = await runOnLocalCluster(o, workload);
  return reportOutcome(summary, error, { json: o.json });
}

/**
 * One run of a loaded workload on a fresh local cluster (removed afterwards unless o.keep): what
 * quickstart does, and what `etcdlab sweep` repeats for each cluster size or client count.
 */
export async function runOnLocalCluster(o: Omit<QuickstartOptions, 'json' | 'quick' | 'workload'> & Partial<QuickstartOptions>, workload: Workload): Promise<{ summary: RunSummary; error?: Error }> {
  const etcd = await findEtcdBinary();
  const progress = new Progress(process.stderr);
  const { runId, runDir } = createRunDir(o.results);
  const logger = createRunLogger(runDir);
  logger.info({ options: o, etcd }, 'quickstart');
  const interrupt = interruptSignal(() => progress.note('interrupted: stopping the run and keeping what was measured (Ctrl-C again to quit at once)'));

  let cluster: ClusterHandle | undefined;
  try {
    progress.note(`etcdlab quickstart: run ${runId}\nstarting a ${o.members}-member etcd cluster (${etcd.path}, ${etcd.version}) ...`);
    warnEvenSize(o.members, (line) => progress.note(line));
    try {
      cluster = await startLocalCluster({ members: o.members, dir: join(runDir, 'cluster'), etcdBin: etcd.path, ...(o.basePort !== undefined ? { basePort: o.basePort } : {}), logger });
    } catch (err) {
      // Bad input (a port in use): nothing was started, so leave nothing behind either.
      if (err instanceof InputError) rmSync(runDir, { recursive: true, force: true });
      throw err;
    }
    progress.note(`cluster healthy: ${cluster.clientEndpoints.join(', ')} (etcd ${cluster.etcdVersion ?? '?'})`);
    const { summary, error } = await executeRun({
      runId,
      runDir,
      workload,
      agents: o.agents,
      endpoints: cluster.clientEndpoints,
      cluster: { provider: 'local', members: o.members, endpoints: cluster.clientEndpoints, ...(cluster.etcdVersion ? { etcdVersion: cluster.etcdVersion } : {}), etcdBinary: etcd.path, memberDetails: cluster.members },
      logger,
      progress,
      signal: interrupt.signal,
      invocation: { command: 'quickstart', ...o },
    });
    return error ? { summary, error } : { summary };
  } finally {
    interrupt.dispose();
    if (cluster && o.keep) {
      cluster.detach();
      process.stderr.write(`\ncluster kept running (--keep). Client endpoints: ${cluster.clientEndpoints.join(',')}\n`);
      process.stderr.write(`stop it with: npx etcdlab cluster down --run-dir ${runDir}\n`);
    } else if (cluster) {
      await cluster.stop();
      logger.info('cluster stopped');
    }
    logger.flush();
  }
}

export const registerQuickstart: Registrar = (program, setExit) => {
  program
    .command('quickstart')
    .description('run a local etcd cluster, local agents and the standard suite on this machine')
    .addOption(new Option('--members <n>', 'etcd members (1..7)').argParser(intOption('--members', 1, 7)).default(3))
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'short phases (under a minute in all)', false)
    .option('--keep', 'leave the cluster running and print its endpoints', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('-w, --workload <file>', 'workload file (default: workloads/suite.yaml)')
    .option('--results <dir>', 'folder for run results', 'results')
    .addOption(new Option('--base-port <port>', 'fixed ports: client base+2i, peer base+2i+1 (default: free ports)').argParser(intOption('--base-port', 1024, 65000)))
    .action(async (o: QuickstartOptions) => setExit(await quickstart(o)));

};

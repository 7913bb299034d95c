import { Command, CommanderError } from 'commander';
import { EtcdlabError } from '@etcdlab/common';
import { registerAgents } from './commands/agents.js';
import { registerCluster } from './commands/cluster.js';
import { registerCompare } from './commands/compare.js';
import { registerHosts } from './commands/hosts.js';
import { registerImage } from './commands/image.js';
import { registerQuickstart } from './commands/quickstart.js';
import type { Registrar } from './commands/register.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { registerWorkload } from './commands/workload.js';
import { TOOL_VERSION } from './version.js';

/** Every command family; add a new one here (one line), its options and action live in its own module. */
const registrars: Registrar[] = [registerQuickstart, registerRun, registerCluster, registerAgents, registerHosts, registerReport, registerCompare, registerSweep, registerWorkload, registerImage];

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('etcdlab')
    .description('Deploy etcd clusters and load-test them with synchronized agents and merged HDR histograms')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError();

  for (const register of registrars) register(program, setExit);
  return program;
}

/** Runs the CLI; returns the exit status. Usage errors exit 2 like other bad input. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof EtcdlabError) {
      process.stderr.write(err.describe() + '\n');
      return err.exitCode;
    }
    process.stderr.write(`etcdlab: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

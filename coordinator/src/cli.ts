import { Command, CommanderError, Option } from 'commander';
import { EtcdlabError } from '@etcdlab/common';
import pino from 'pino';
import { intOption } from './commands/options.js';
import { quickstart } from './commands/quickstart.js';
import { runAgainstEndpoints } from './commands/run.js';
import { stopClusterFromState } from './providers/local/index.js';
import { TOOL_VERSION } from './version.js';

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('etcdlab')
    .description('Deploy etcd clusters and load-test them with synchronized agents and merged HDR histograms')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError();

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
    .action(async (o) => setExit(await quickstart(o)));

  program
    .command('run')
    .description('run a workload with local agents against an existing cluster')
    .requiredOption('--endpoints <list>', 'comma-separated HOST:PORT or URLs of the cluster members')
    .requiredOption('-w, --workload <file>', 'workload file')
    .addOption(new Option('--agents <n>', 'load agents (1..64)').argParser(intOption('--agents', 1, 64)).default(2))
    .option('--quick', 'apply the workload\'s quick overrides', false)
    .option('--json', 'print only the summary JSON on stdout', false)
    .option('--results <dir>', 'folder for run results', 'results')
    .option('--cacert <file>', 'CA bundle to verify the servers (switches endpoints to https)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .action(async (o) => setExit(await runAgainstEndpoints(o)));

  const cluster = program.command('cluster').description('manage clusters started by etcdlab');
  cluster
    .command('down')
    .description('stop a cluster kept with --keep')
    .requiredOption('--run-dir <dir>', 'the run folder printed by quickstart --keep')
    .option('--clean', 'also remove the members\' data', false)
    .action(async (o: { runDir: string; clean: boolean }) => {
      await stopClusterFromState(`${o.runDir}/cluster`, { removeData: o.clean, logger: pino({ level: 'silent' }) });
      process.stderr.write(`cluster in ${o.runDir} stopped${o.clean ? ' and its data removed' : ''}\n`);
      setExit(0);
    });
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

import pino from 'pino';
import { stopClusterFromState } from '../providers/local/index.js';
import { type Registrar, subcommand } from './register.js';

/** `cluster down --run-dir`: stops a local cluster kept with `quickstart --keep`. */
export const registerLocalCluster: Registrar = (program, setExit) => {
  const cluster = subcommand(program, 'cluster', 'manage etcd clusters');
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
};

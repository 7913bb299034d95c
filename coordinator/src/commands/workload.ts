import { explainWorkload, type Workload } from '@etcdlab/common';
import { renderExplanation } from '../output/workload-explain.js';
import { type Registrar, subcommand } from './register.js';
import { loadWorkloadFile } from './workload-file.js';

interface WorkloadOpts {
  quick: boolean;
  json: boolean;
}

function summary(w: Workload): string {
  const phases = w.phases.map((p) => `${p.name} (${p.pattern ? 'pattern' : Object.keys(p.ops).join('/')})`).join(', ');
  return `ok: ${w.source}: workload ${w.name}, ${w.phases.length} phase(s): ${phases}${w.rules?.length ? `; ${w.rules.length} rule(s)` : ''}`;
}

/** `etcdlab workload validate FILE` and `etcdlab workload explain FILE`: no cluster, no agents. */
export const registerWorkload: Registrar = (program, setExit) => {
  const workload = subcommand(program, 'workload', 'check and explain workload files');
  workload
    .command('validate')
    .description('check a workload file: every problem at once, with the field and the fix (exit 2 when invalid)')
    .argument('<file>', 'workload file')
    .option('--quick', 'check it with its quick overrides applied', false)
    .option('--json', 'print the resolved workload as JSON', false)
    .action((file: string, o: WorkloadOpts) => {
      const w = loadWorkloadFile(file, o.quick);
      process.stdout.write((o.json ? JSON.stringify(w, null, 2) : summary(w)) + '\n');
      setExit(0);
    });
  workload
    .command('explain')
    .description('print each phase\'s loop, bound, pattern levels (key and prefix counts) and expected op rates')
    .argument('<file>', 'workload file')
    .option('--quick', 'explain it with its quick overrides applied', false)
    .option('--json', 'print the explanation as JSON', false)
    .action((file: string, o: WorkloadOpts) => {
      const w = loadWorkloadFile(file, o.quick);
      const phases = explainWorkload(w);
      process.stdout.write((o.json ? JSON.stringify(phases, null, 2) : renderExplanation(w, phases)) + '\n');
      setExit(0);
    });
};

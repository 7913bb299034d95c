import { ErrorCodes, InputError } from '@etcdlab/common';
import Table from 'cli-table3';
import { Option } from 'commander';
import pino from 'pino';
import { agentStatuses, controlAgents } from '../fleet/remote/control.js';
import { installAgents } from '../fleet/remote/install.js';
import type { ProviderContext } from '../cluster/cluster-ops.js';
import { loadInventoryFile } from './inventory-file.js';
import { type Registrar, subcommand } from './register.js';

interface AgentsOpts {
  inventory?: string;
  dryRun?: boolean;
  acceptNew?: boolean;
  json?: boolean;
}

const note = (line: string) => process.stderr.write(line + '\n');

function contextFrom(o: AgentsOpts): ProviderContext {
  if (!o.inventory) throw new InputError(ErrorCodes.optionInvalid, 'no inventory given', [{ field: '-i, --inventory', message: 'required', fix: 'e.g. -i inventory/lab.example.yaml' }]);
  const inventory = loadInventoryFile(o.inventory);
  if (inventory.provider !== 'ssh')
    throw new InputError(ErrorCodes.optionInvalid, `agents are installed on ssh hosts; ${o.inventory} uses the ${inventory.provider} provider`, [
      { file: o.inventory, field: 'provider', message: inventory.provider, fix: 'use an inventory with provider: ssh (local and docker runs start their agents themselves)' },
    ]);
  const logger = pino({ level: process.env.ETCDLAB_LOG_LEVEL ?? 'silent', redact: ['token', '*.token'] }, pino.destination(2));
  return { inventory, logger, dryRun: Boolean(o.dryRun), note, acceptNew: Boolean(o.acceptNew) };
}

/** `etcdlab agents install|start|stop|status|uninstall -i FILE`: load agents and monitors as services on the inventory's hosts. */
export const registerAgents: Registrar = (program, setExit) => {
  const agents = subcommand(program, 'agents', 'install and control load agents (and monitors) as services on the inventory\'s hosts');
  const common = (c: ReturnType<typeof agents.command>) =>
    c
      .addOption(new Option('-i, --inventory <file>', 'inventory file (provider ssh)'))
      .addOption(new Option('--dry-run', 'print the plan and touch nothing'))
      .addOption(new Option('--accept-new', 'record unknown host keys in .etcdlab/known_hosts instead of refusing them'));

  common(agents.command('install').description('bundle the agent, upload it (and a Node.js runtime when the host has none), install and start one service per role'))
    .action(async (o: AgentsOpts) => {
      await installAgents(contextFrom(o));
      if (!o.dryRun) note('agents install: done; they connect whenever a coordinator listens (etcdlab run -i ...)');
      setExit(0);
    });

  for (const [name, what] of [['start', 'start the installed agent services'], ['stop', 'stop the agent services (they stay installed)'], ['uninstall', 'stop and remove the agent services and their files']] as const) {
    common(agents.command(name).description(what)).action(async (o: AgentsOpts) => {
      await controlAgents(contextFrom(o), name);
      if (!o.dryRun) note(`agents ${name}: done`);
      setExit(0);
    });
  }

  common(agents.command('status').description('service state of every agent and the last line of its log'))
    .option('--json', 'machine-readable output')
    .action(async (o: AgentsOpts) => {
      const rows = await agentStatuses(contextFrom(o));
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        const t = new Table({ head: ['agent', 'host', 'role', 'service', 'state', 'pid', 'last log line'], style: { head: [], border: [] } });
        for (const r of rows) t.push([r.id, r.host, r.role, r.mode, r.detail && r.state !== 'running' ? `${r.state} (${r.detail})` : r.state, r.pid ? String(r.pid) : '-', r.lastLog ?? '']);
        process.stdout.write(t.toString() + '\n');
      }
      setExit(rows.every((r) => r.state === 'running') ? 0 : 1);
    });
};

import { randomBytes } from 'node:crypto';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { Option } from 'commander';
import { clientFor, memberReports, renderMemberReports } from '../output/endpoint-status.js';
import type { ClusterOps } from '../cluster/cluster-ops.js';
import { acceptNewOption, type ClusterCommandOptions, inventoryOption, opsFrom as opsFromOptions, runDirOption } from './cluster-ops-options.js';
import { intOption } from './options.js';
import { type Registrar, subcommand } from './register.js';

interface CommonOpts extends ClusterCommandOptions {
  json?: boolean;
}

const note = (line: string) => process.stderr.write(line + '\n');
const opsFrom = (o: CommonOpts): Promise<ClusterOps> => opsFromOptions(o, note);

function unsupported(ops: ClusterOps, what: string, provider = 'docker', instead?: string): never {
  throw new InputError(ErrorCodes.optionInvalid, `\`cluster ${what}\` is not available with the ${ops.provider} provider`, [{ field: 'provider', message: ops.provider, fix: `use provider: ${provider} for this command${instead ? ` (${instead})` : ''}` }]);
}

/** A put/get/delete round trip through every member (the Docker cluster manager's `test`). */
async function roundTrip(ops: ClusterOps): Promise<boolean> {
  const info = await ops.info();
  let ok = true;
  for (const endpoint of info.clientEndpoints) {
    const client = clientFor({ ...info, clientEndpoints: [endpoint] });
    const key = Buffer.from(`etcdlab/test/${randomBytes(6).toString('hex')}`);
    const value = Buffer.from(`round trip via ${endpoint}`);
    try {
      await client.put(key, value, 5000);
      const back = await client.get(key, { serializable: false }, 5000);
      const deleted = await client.deleteKey(key, 5000);
      const good = back?.equals(value) === true && deleted === 1;
      ok &&= good;
      process.stdout.write(`${good ? 'ok  ' : 'FAIL'} ${endpoint}: put, get${good ? '' : ' (value differs)'}, delete\n`);
    } catch (err) {
      ok = false;
      process.stdout.write(`FAIL ${endpoint}: ${(err as Error).message}\n`);
    } finally {
      await client.close();
    }
  }
  return ok;
}

export const registerCluster: Registrar = (program, setExit) => {
  const cluster = subcommand(program, 'cluster', 'bring an etcd cluster up and down (docker, ssh, or a local one kept with --keep) and look at it');
  const inv = inventoryOption;
  const runDir = runDirOption;
  const dry = () => new Option('--dry-run', 'print the plan and touch nothing');
  const acceptNew = acceptNewOption;

  cluster
    .command('up')
    .description('create and start the members, then wait until every one is healthy')
    .argument('[members]', 'number of members (docker: overrides the inventory; ssh and a kept local cluster: the size they have)', intOption('members', 1, 7))
    .addOption(inv())
    .addOption(runDir())
    .addOption(dry())
    .addOption(acceptNew())
    .action(async (members: number | undefined, o: CommonOpts) => {
      const ops = await opsFrom(o);
      const info = await ops.up(members !== undefined ? { members } : {});
      if (!o.dryRun) note(`cluster up: ${info.clientEndpoints.join(',')}${info.etcdVersion ? ` (etcd ${info.etcdVersion})` : ''}`);
      setExit(0);
    });

  cluster
    .command('status')
    .description('health and endpoint status of every member')
    .addOption(inv())
    .addOption(runDir())
    .addOption(acceptNew())
    .option('--json', 'machine-readable output')
    .action(async (o: CommonOpts) => {
      const ops = await opsFrom(o);
      const reports = await memberReports(await ops.info(), await ops.states());
      process.stdout.write(o.json ? JSON.stringify(reports, null, 2) + '\n' : renderMemberReports(reports) + '\n');
      setExit(reports.length > 0 && reports.every((r) => r.healthy) ? 0 : 1);
    });

  cluster
    .command('test')
    .description('put, get and delete a key through every member')
    .addOption(inv())
    .addOption(runDir())
    .action(async (o: CommonOpts) => setExit((await roundTrip(await opsFrom(o))) ? 0 : 1));

  cluster
    .command('logs')
    .description('a member\'s log, or every member\'s')
    .argument('[member]', 'member name, e.g. etcd-1')
    .addOption(inv())
    .addOption(runDir())
    .addOption(new Option('-n, --lines <n>', 'lines from the end').argParser(intOption('--lines', 1, 1_000_000)).default(200))
    .action(async (member: string | undefined, o: CommonOpts & { lines: number }) => {
      await (await opsFrom(o)).logs(member, { lines: o.lines, out: process.stdout });
      setExit(0);
    });

  cluster
    .command('shell')
    .description('an interactive shell in a member (docker)')
    .argument('<member>', 'member name, e.g. etcd-1')
    .addOption(inv())
    .action(async (member: string, o: CommonOpts) => {
      const ops = await opsFrom(o);
      if (!ops.shell) unsupported(ops, 'shell');
      setExit(await ops.shell(member));
    });

  cluster
    .command('restart')
    .description('recreate the cluster with another size (docker; a kept local cluster: in place, or --wipe for another size)')
    .argument('<members>', 'new number of members', intOption('members', 1, 7))
    .addOption(inv())
    .addOption(runDir())
    .addOption(dry())
    .option('--wipe', 'start from empty data (default: keep the data of members that remain)')
    .action(async (members: number, o: CommonOpts & { wipe?: boolean }) => {
      const ops = await opsFrom(o);
      if (!ops.restart) unsupported(ops, 'restart');
      const info = await ops.restart({ members, wipe: Boolean(o.wipe) });
      if (!o.dryRun) note(`cluster restarted: ${info.clientEndpoints.join(',')}`);
      setExit(0);
    });

  cluster
    .command('replace')
    .description('rebuild a member whose data is lost (a re-imaged host): it leaves the cluster, is wiped and joins again as a new member (ssh)')
    .argument('<member>', 'member name (its host name in the inventory), e.g. etcd-2')
    .addOption(inv())
    .addOption(dry())
    .addOption(acceptNew())
    .action(async (member: string, o: CommonOpts) => {
      const ops = await opsFrom(o);
      if (!ops.replace) unsupported(ops, 'replace', 'ssh', 'docker: cluster restart N --wipe rebuilds every member');
      const r = await ops.replace(member);
      if (r) note(`member ${member} replaced: new member id ${r.memberId}, healthy and caught up (applied index ${r.appliedIndex.toLocaleString('en-US')}) ${(r.joinMs / 1000).toFixed(1)} s after it joined`);
      setExit(0);
    });

  cluster
    .command('generate')
    .description('write an equivalent docker-compose.yml (docker)')
    .argument('[members]', 'number of members (overrides the inventory)', intOption('members', 1, 7))
    .addOption(inv())
    .option('-o, --output <file>', 'where to write it', 'docker-compose.yml')
    .action(async (members: number | undefined, o: CommonOpts & { output: string }) => {
      const ops = await opsFrom(o);
      if (!ops.generate) unsupported(ops, 'generate');
      await ops.generate({ file: o.output, ...(members !== undefined ? { members } : {}) });
      note(`wrote ${o.output}`);
      setExit(0);
    });

  for (const [name, removeData] of [['down', false], ['clean', true]] as const) {
    cluster
      .command(name)
      .description(removeData ? 'stop and remove members, data and everything else etcdlab created' : 'stop the members, keep their data')
      .addOption(inv())
      .addOption(dry())
      .addOption(acceptNew())
      .addOption(runDir())
      .action(async (o: CommonOpts) => {
        const ops = await opsFrom(o);
        await (removeData ? ops.clean() : ops.down());
        if (!o.dryRun && ops.provider !== 'local') note(`cluster ${name}: done`);
        setExit(0);
      });
  }
};


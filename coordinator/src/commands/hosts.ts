import { ErrorCodes, type Inventory, InputError } from '@etcdlab/common';
import { Option } from 'commander';
import pino from 'pino';
import { FSYNC_METHODS, type FsyncMethod, checkHosts, renderHostsCheck } from '../hostcheck/index.js';
import { parseSize } from '../hostcheck/facts.js';
import { defaultKnownHostsFiles, knownHostsFilesFor, localPath } from '../ssh/index.js';
import { loadInventoryFile } from './inventory-file.js';
import { intOption } from './options.js';
import { type Registrar, subcommand } from './register.js';

interface CheckOpts {
  inventory?: string;
  json?: boolean;
  acceptNew?: boolean;
  dryRun?: boolean;
  fsyncSize: string;
  diskProbe: 'auto' | FsyncMethod;
  parallel: number;
}

const note = (line: string) => process.stderr.write(line + '\n');

function fsyncBytes(text: string): number {
  const n = parseSize(text);
  if (n === undefined || n < 2300 || n > 1024 ** 3) {
    throw new InputError(ErrorCodes.optionInvalid, `invalid value for --fsync-size: "${text}"`, [{ field: '--fsync-size', message: 'a size from 2300 bytes to 1g', fix: 'e.g. --fsync-size 22m (what etcd\'s docs use) or 2m for a quick look' }]);
  }
  return n;
}

interface PlannedHost {
  name: string;
  address: string;
  port: number;
  user: string;
  roles: string[];
  workDir: string;
  identity: string;
  knownHostsFiles: string[];
  jumpHost?: { address: string; port: number; user: string };
}

/** Where each host is, how it would be reached and verified: the dry run's content, text or JSON. */
function plannedHosts(inv: Inventory, files: string[]): PlannedHost[] {
  return inv.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    port: h.ssh.port,
    user: h.ssh.user,
    roles: h.roles,
    workDir: h.workDir,
    identity: h.ssh.identityFile ? localPath(h.ssh.identityFile, inv.source) : h.ssh.agent ? 'ssh-agent' : 'ssh-agent or ~/.ssh/id_*',
    knownHostsFiles: knownHostsFilesFor(h, files, inv.source),
    ...(h.ssh.jumpHost ? { jumpHost: { address: h.ssh.jumpHost.address, port: h.ssh.jumpHost.port ?? 22, user: h.ssh.jumpHost.user ?? h.ssh.user } } : {}),
  }));
}

/** What `--dry-run` prints: where each host is, how it is reached and verified, what would be measured. */
function plan(inv: Inventory, o: CheckOpts, files: string[]): string {
  const lines = [`hosts check of ${inv.hosts.length} host(s) from ${inv.source} (nothing is contacted in a dry run):`];
  for (const h of plannedHosts(inv, files)) {
    const j = h.jumpHost;
    lines.push(`  ${h.name}: ${h.user}@${h.address}:${h.port}${j ? ` via ${j.user}@${j.address}:${j.port}` : ''}, roles ${h.roles.join(',')}, work dir ${h.workDir}`);
    lines.push(`    identity ${h.identity}; host key checked against ${h.knownHostsFiles.join(', ')}${o.acceptNew ? ` (unknown keys recorded in ${files[0]})` : ''}`);
  }
  lines.push(
    `  on each host: OS/arch, CPUs, load, CPU steal and the busiest foreign processes over 1 s, memory, disk of the work dir (created if missing),`,
    `  fdatasync latency of ${o.fsyncSize} in 2300-byte writes in the work dir (${o.diskProbe === 'auto' ? 'fio, else python3, else perl, else dd' : o.diskProbe}), clock offset, systemd.`,
    `  up to ${o.parallel} hosts at once.`,
  );
  return lines.join('\n');
}

/** `--dry-run --json`: the same plan for machines (stdout holds only this document). */
function planJson(inv: Inventory, o: CheckOpts, files: string[], fsyncSizeBytes: number): object {
  return {
    schema: 'etcdlab.hosts-check-plan/1',
    inventory: inv.source,
    options: { fsyncSizeBytes, diskProbe: o.diskProbe, acceptNew: Boolean(o.acceptNew), parallel: o.parallel },
    hosts: plannedHosts(inv, files),
  };
}

export const registerHosts: Registrar = (program, setExit) => {
  const hosts = subcommand(program, 'hosts', 'look at the inventory\'s hosts');
  hosts
    .command('check')
    .description('reachability, host key, OS, CPU steal, noisy neighbours, memory, disk, fdatasync latency, clock offset and systemd of every host, in parallel over SSH')
    .addOption(new Option('-i, --inventory <file>', 'inventory file').makeOptionMandatory())
    .option('--json', 'print the report as JSON (schema etcdlab.hosts-check/1, docs/hosts.md)')
    .option('--accept-new', 'record unknown host keys in .etcdlab/known_hosts instead of refusing them')
    .option('--dry-run', 'print what would be checked and contact nothing')
    .option('--fsync-size <size>', 'bytes the fdatasync probe writes (etcd\'s docs: 22m)', '22m')
    .addOption(new Option('--disk-probe <method>', 'how to measure fdatasync').choices(['auto', ...FSYNC_METHODS]).default('auto'))
    .addOption(new Option('--parallel <n>', 'hosts checked at once').argParser(intOption('--parallel', 1, 64)).default(8))
    .action(async (o: CheckOpts) => {
      const inventory = loadInventoryFile(o.inventory as string);
      if (inventory.hosts.length === 0) {
        throw new InputError(ErrorCodes.inventoryInvalid, `${inventory.source} lists no hosts to check`, [{ file: inventory.source, field: 'hosts', message: 'empty', fix: 'list your machines under hosts: (see inventory/lab.example.yaml)' }]);
      }
      const fsyncSizeBytes = fsyncBytes(o.fsyncSize);
      const files = defaultKnownHostsFiles();
      if (o.dryRun) {
        process.stdout.write((o.json ? JSON.stringify(planJson(inventory, o, files, fsyncSizeBytes), null, 2) : plan(inventory, o, files)) + '\n');
        return setExit(0);
      }
      const logger = pino({ level: process.env.ETCDLAB_LOG_LEVEL ?? 'silent' }, pino.destination(2));
      note(`checking ${inventory.hosts.length} host(s) from ${inventory.source} ...`);
      const report = await checkHosts({ inventory, knownHostsFiles: files, acceptNew: Boolean(o.acceptNew), logger, note, fsyncSizeBytes, diskProbe: o.diskProbe, parallel: o.parallel });
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : renderHostsCheck(report, { color: Boolean(process.stdout.isTTY) })) + '\n');
      setExit(report.summary.fail > 0 ? 1 : 0);
    });
};

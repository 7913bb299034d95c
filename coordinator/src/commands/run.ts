import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { intOption } from './options.js';
import type { Registrar } from './register.js';
import { ClusterError, ErrorCodes, InputError, type Inventory, type PhasePrepare } from '@etcdlab/common';
import pino from 'pino';
import { clusterOpsFor } from '../providers/registry.js';
import { loadInventoryFile } from './inventory-file.js';
import { EtcdClient } from '@etcdlab/agent/etcd';
import { Progress } from '../output/progress.js';
import { executeRun } from '../run/run-session.js';
import { runWithInventory } from '../agents/remote/run-inventory.js';
import { containerAgentsPlan, type ContainerAgentsPlan } from '../providers/docker/agents-in-containers.js';
import { scrapeTargets } from '../metrics/index.js';
import { createRunDir, createRunLogger, interruptSignal, loadWorkloadFile, reportOutcome } from './run-support.js';

export interface RunOptions {
  endpoints?: string;
  workload: string;
  agents: number;
  quick: boolean;
  json: boolean;
  results: string;
  cacert?: string;
  cert?: string;
  key?: string;
}

/** `host:port` or a URL; TLS options switch bare endpoints to https. */
export function normalizeEndpoints(list: string, tls: boolean): string[] {
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InputError(ErrorCodes.optionInvalid, 'no endpoints given', [{ field: '--endpoints', message: 'empty list', fix: 'e.g. --endpoints 10.0.0.1:2379,10.0.0.2:2379' }]);
  return items.map((e) => {
    const url = /^[a-z]+:\/\//.test(e) ? e : `${tls ? 'https' : 'http'}://${e}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError(ErrorCodes.optionInvalid, `invalid endpoint "${e}"`, [{ field: '--endpoints', message: `"${e}" is not HOST:PORT or a URL`, fix: 'e.g. --endpoints 127.0.0.1:2379' }]);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || !parsed.port)
      throw new InputError(ErrorCodes.optionInvalid, `invalid endpoint "${e}"`, [{ field: '--endpoints', message: 'needs http(s), a host and a port', fix: 'e.g. --endpoints https://etcd-1:2379' }]);
    return `${parsed.protocol}//${parsed.host}`;
  });
}

function readTls(o: RunOptions): PhasePrepare['tls'] | undefined {
  const files = { ca: o.cacert, cert: o.cert, key: o.key };
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (Boolean(files.cert) !== Boolean(files.key))
    throw new InputError(ErrorCodes.optionInvalid, 'a client certificate needs its key', [{ field: files.cert ? '--key' : '--cert', message: 'given without the other', fix: 'pass both --cert and --key' }]);
  const out: NonNullable<PhasePrepare['tls']> = {};
  for (const [name, file] of Object.entries(files) as [keyof typeof files, string | undefined][]) {
    if (!file) continue;
    try {
      out[name] = readFileSync(file, 'utf8');
    } catch (err) {
      const flag = name === 'ca' ? '--cacert' : `--${name}`;
      throw new InputError(ErrorCodes.tlsFileUnreadable, `cannot read ${flag} file ${file}`, [{ file, field: flag, message: (err as NodeJS.ErrnoException).code ?? String(err), fix: 'give the path of a PEM file' }]);
    }
  }
  return out;
}

/** Checks every endpoint answers before any agent starts; returns the cluster's version. */
async function probeEndpoints(endpoints: string[], tls: PhasePrepare['tls'] | undefined): Promise<string | undefined> {
  const client = new EtcdClient({ endpoints, connections: endpoints.length, ...(tls ? { tls: { ...(tls.ca ? { ca: Buffer.from(tls.ca) } : {}), ...(tls.cert ? { cert: Buffer.from(tls.cert) } : {}), ...(tls.key ? { key: Buffer.from(tls.key) } : {}) } } : {}) });
  try {
    let version: string | undefined;
    for (const ep of endpoints) {
      try {
        version = (await client.status(ep, 3000)).version;
      } catch (err) {
        throw new ClusterError(ErrorCodes.endpointUnreachable, `etcd endpoint ${ep} did not answer: ${(err as Error).message}`, {
          exitCode: 1,
          problems: [{ field: '--endpoints', message: ep, fix: 'check the address and port, and pass --cacert/--cert/--key for a TLS cluster' }],
        });
      }
    }
    return version;
  } finally {
    await client.close();
  }
}

/** A run against a cluster the user already has. */
export async function runAgainstEndpoints(o: RunOptions): Promise<number> {
  const tls = readTls(o);
  const endpoints = normalizeEndpoints(o.endpoints ?? '', tls !== undefined);
  return runOnEndpoints(o, { endpoints, tls, provider: 'external' });
}

/**
 * `run -i` for a docker inventory: the cluster `cluster up -i` started (its published endpoints and, for
 * TLS, its client certificate), driven by local agents like any other endpoints.
 */
export async function runAgainstDockerInventory(o: RunOptions & { inventory: string }, inventory: Inventory): Promise<number> {
  const ops = await clusterOpsFor({ inventory, logger: pino({ level: 'silent' }), dryRun: false, note: () => undefined });
  const info = await ops.info();
  // docker.agentsInContainers: the agents run on the cluster's network and dial in (docs/docker.md).
  const containers = inventory.docker?.agentsInContainers ? await containerAgentsPlan(inventory, (l) => process.stderr.write(`${l}\n`)) : undefined;
  return runOnEndpoints(o, { endpoints: info.clientEndpoints, tls: info.tls, provider: 'docker', inventory: inventory.source, members: info.members, ...(containers ? { containers } : {}) });
}

async function runOnEndpoints(o: RunOptions, c: { endpoints: string[]; tls: PhasePrepare['tls'] | undefined; provider: 'external' | 'docker'; inventory?: string; members?: { name: string; clientUrl: string }[]; containers?: ContainerAgentsPlan }): Promise<number> {
  const { endpoints, tls } = c;
  const workload = loadWorkloadFile(o.workload, o.quick);
  const etcdVersion = await probeEndpoints(endpoints, tls);
  const progress = new Progress(process.stderr);
  const { runId, runDir } = createRunDir(o.results);
  const logger = createRunLogger(runDir);
  const interrupt = interruptSignal(() => progress.note('interrupted: stopping the run and keeping what was measured (Ctrl-C again to quit at once)'));
  try {
    progress.note(`etcdlab run ${runId}: ${endpoints.join(', ')} (etcd ${etcdVersion ?? '?'})`);
    const ctr = c.containers;
    // Agents in containers are dial-in agents this run starts itself: the members by their network names,
    // the coordinator on the network's gateway; metrics are still scraped here, on the published ports.
    const token = randomBytes(24).toString('base64url');
    const ids = Array.from({ length: o.agents }, (_, i) => `agent-${i + 1}`);
    const inContainers = ctr
      ? {
          endpoints: ctr.endpoints,
          metricsTargets: scrapeTargets(endpoints, c.members),
          remote: { listen: { host: ctr.gateway, port: 0 }, token, expected: ids, monitors: [], launcher: ctr.launcher({ runId, runDir, ids, token, logger }) },
          manifestExtra: { agentsIn: 'containers', agentImage: ctr.image, agentNetwork: ctr.network, agentEndpoints: ctr.endpoints },
        }
      : undefined;
    const { summary, error } = await executeRun({
      runId,
      runDir,
      workload,
      agents: o.agents,
      endpoints,
      ...inContainers,
      ...(tls ? { tls } : {}),
      cluster: {
        provider: c.provider,
        members: endpoints.length,
        endpoints,
        ...(etcdVersion ? { etcdVersion } : {}),
        tls: tls !== undefined,
        ...(c.inventory ? { inventory: c.inventory } : {}),
        ...(c.members ? { memberDetails: c.members } : {}),
      },
      logger,
      progress,
      signal: interrupt.signal,
      invocation: { command: 'run', ...o },
    });
    return reportOutcome(summary, error, { json: o.json });
  } finally {
    interrupt.dispose();
    logger.flush();
  }
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
    .action(async (o: RunOptions & { inventory?: string }) => {
      if (Boolean(o.inventory) === Boolean(o.endpoints))
        throw new InputError(ErrorCodes.optionInvalid, o.inventory ? 'give -i or --endpoints, not both' : 'no cluster given', [{ field: '--endpoints / -i', message: 'exactly one is needed', fix: 'run --endpoints HOST:PORT,... -w FILE, or run -i INVENTORY -w FILE' }]);
      if (!o.inventory) return setExit(await runAgainstEndpoints(o));
      const inventory = loadInventoryFile(o.inventory);
      setExit(inventory.provider === 'docker' ? await runAgainstDockerInventory({ ...o, inventory: o.inventory }, inventory) : await runWithInventory({ ...o, inventory: o.inventory }));
    });

};

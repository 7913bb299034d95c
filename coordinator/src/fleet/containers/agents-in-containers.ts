/**
 * What `run -i` needs to put its agents in containers (docker.agentsInContainers): the members' endpoints
 * inside the cluster network, the network's gateway (where the coordinator listens, so only the bridge's
 * side of this machine is open to agents), the agent image (built on demand) and a launcher factory.
 */
import { networkInterfaces } from 'node:os';
import { ClusterError, ErrorCodes, InputError, type Inventory } from '@etcdlab/common';
import pino, { type Logger } from 'pino';
import { type AgentLauncher, containerLauncher } from './agent-containers.js';
import { ensureAgentImage } from './agent-image.js';
import { call } from '../../cluster/docker/engine.js';
import { existingMembers } from '../../cluster/docker/existing.js';
import { makeSession } from '../../cluster/docker/session.js';
import { parseCidr } from '../../cluster/docker/subnet.js';

export interface ContainerAgentsPlan {
  /** http(s)://<container>:<client port>, as the agents reach the members on the network. */
  endpoints: string[];
  /** The network's gateway IP on this machine: the coordinator's listen address. */
  gateway: string;
  network: string;
  image: string;
  launcher(o: { runId: string; runDir: string; ids: string[]; token: string; logger: Logger }): AgentLauncher;
}

/** In-network client URLs of the members (pure). */
export const inNetworkEndpoints = (members: { container: string; tls: boolean }[], clientPort: number): string[] =>
  members.map((m) => `${m.tls ? 'https' : 'http'}://${m.container}:${clientPort}`);

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The IPv4 gateway of a network inspect's IPAM config (pure). A network made with only a subnet lists no
 * gateway: Docker's default IPAM then gives the bridge the subnet's first host address.
 */
export function gatewayOf(ipam: { Config?: { Gateway?: string; Subnet?: string }[] } | undefined): string | undefined {
  const configs = ipam?.Config ?? [];
  const given = configs.map((c) => c.Gateway ?? '').find((g) => IPV4.test(g));
  if (given) return given;
  for (const c of configs) {
    const cidr = c.Subnet ? parseCidr(c.Subnet) : undefined;
    if (cidr && cidr.bits <= 30) return [24, 16, 8, 0].map((sh) => ((cidr.base + 1) >>> sh) & 255).join('.');
  }
  return undefined;
}

export async function containerAgentsPlan(inventory: Inventory, note: (line: string) => void): Promise<ContainerAgentsPlan> {
  const s = makeSession({ inventory, logger: pino({ level: 'silent' }), dryRun: false, note });
  const { cfg } = s;
  const engine = await s.engine();
  if (!engine.local) {
    throw new InputError(ErrorCodes.inventoryInvalid, 'docker.agentsInContainers needs a Docker Engine on this machine', [
      { file: cfg.source, field: 'docker.agentsInContainers', message: `the engine at ${engine.endpoint} is remote: its network's gateway is not an address of this machine`, fix: 'use a local engine (a unix socket), or remove agentsInContainers to run the agents here' },
    ]);
  }
  const members = (await existingMembers(engine, cfg.cluster)).filter((m) => m.running);
  if (members.length === 0) {
    throw new ClusterError(ErrorCodes.clusterNotFound, `no running member of docker cluster ${cfg.cluster}`, { problems: [{ file: cfg.source, field: 'cluster.name', message: cfg.cluster, fix: `start it with \`etcdlab cluster up -i ${cfg.source}\`` }] });
  }
  const net = await call(`inspecting network ${cfg.network}`, () => engine.docker.getNetwork(cfg.network).inspect() as Promise<{ IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } }>);
  const gateway = gatewayOf(net.IPAM);
  const local = Object.values(networkInterfaces()).flat().some((i) => i?.address === gateway);
  if (!gateway || !local) {
    throw new ClusterError(ErrorCodes.dockerFailed, `network ${cfg.network} has no IPv4 gateway on this machine (${gateway ?? 'none'}) for the agents to reach the coordinator`, {
      problems: [{ file: cfg.source, field: 'docker.network', message: cfg.network, fix: 'use a bridge network with a gateway (the one etcdlab creates has one), or remove agentsInContainers' }],
    });
  }
  const image = await ensureAgentImage(engine, note);
  return {
    endpoints: inNetworkEndpoints(members, cfg.clientPort),
    gateway,
    network: cfg.network,
    image,
    launcher: (o) => containerLauncher({ engine, cluster: cfg.cluster, image, network: cfg.network, ...o }),
  };
}

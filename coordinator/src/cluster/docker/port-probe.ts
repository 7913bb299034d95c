/**
 * Who holds which host port (I/O around the pure port plan): other etcdlab clusters (their labels, even
 * when stopped, since they take their ports back when started), other containers' published ports, and
 * any program on this machine (a bind test on 127.0.0.1, only when the engine is local).
 */
import { ErrorCodes, InputError } from '@etcdlab/common';
import { isPortFree } from '../local/ports.js';
import type { DockerClusterConfig } from './config.js';
import { call, type Engine } from './engine.js';
import { LABELS, type HostPorts } from './members.js';
import { MAX_PORT, planHostPorts, type PortMove } from './port-plan.js';

async function containerHolders(engine: Engine, cluster: string): Promise<Map<number, string>> {
  const holders = new Map<number, string>();
  const list = await call('listing containers', () => engine.docker.listContainers({ all: true }));
  for (const c of list) {
    const other = c.Labels[LABELS.cluster];
    if (other === cluster) continue;
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
    if (other !== undefined) {
      for (const key of [LABELS.clientPort, LABELS.peerPort]) {
        const p = Number(c.Labels[key]);
        if (p > 0) holders.set(p, `etcdlab cluster ${other} (${c.Labels[LABELS.member] ?? name})`);
      }
    }
    for (const p of c.Ports ?? []) if (p.PublicPort && !holders.has(p.PublicPort)) holders.set(p.PublicPort, `container ${name}`);
  }
  return holders;
}

export interface PortChoice {
  ports: HostPorts[];
  moved: PortMove[];
}

/** Host ports for `members` members, or E_PORT_IN_USE (exit 2, nothing created) when fixed ports are taken. */
export async function choosePorts(engine: Engine, cfg: DockerClusterConfig, members: number): Promise<PortChoice> {
  const last = cfg.basePort + 2 * members - 1;
  if (cfg.portsFixed && last > MAX_PORT) {
    throw new InputError(ErrorCodes.optionInvalid, `cluster.basePort ${cfg.basePort} leaves no room for ${members} members`, [
      { file: cfg.source, field: 'cluster.basePort', message: `${members} members need ports ${cfg.basePort}..${last}`, fix: `use a base port up to ${MAX_PORT - 2 * members + 1}` },
    ]);
  }
  const known = await containerHolders(engine, cfg.cluster);
  const probed = new Map<number, string | undefined>();
  let windowEnd = cfg.portsFixed ? last : Math.min(MAX_PORT, last + 64);
  for (;;) {
    for (let p = cfg.basePort; p <= windowEnd; p++) {
      if (probed.has(p) || known.has(p)) continue;
      probed.set(p, engine.local && !(await isPortFree(p, '127.0.0.1')) ? 'in use by another program on 127.0.0.1' : undefined);
    }
    const holderOf = (p: number): string | undefined => known.get(p) ?? (p > windowEnd ? 'not checked' : probed.get(p));
    const plan = planHostPorts({ members, base: cfg.basePort, fixed: cfg.portsFixed, holderOf });
    if (plan.ok) return { ports: plan.ports, moved: plan.moved };
    if (!cfg.portsFixed && windowEnd < MAX_PORT) {
      windowEnd = Math.min(MAX_PORT, windowEnd + 512);
      continue;
    }
    throw new InputError(
      ErrorCodes.portInUse,
      `cluster.basePort ${cfg.basePort}: ${plan.conflicts.length} port(s) of cluster ${cfg.cluster} are taken`,
      plan.conflicts.map((c) => ({
        file: cfg.source,
        field: 'cluster.basePort',
        message: `port ${c.port} (${c.role} port of ${c.member}) is ${c.holder.startsWith('in use') ? c.holder : `held by ${c.holder}`}`,
        fix: `choose another cluster.basePort (the cluster needs ${cfg.basePort}..${last}), or remove cluster.basePort so etcdlab moves to free ports`,
      })),
    );
  }
}

/**
 * Faults for the docker provider (docs/faults.md), through the Engine API: kill / stop and start, pause
 * and unpause, and a partition as the member's container disconnected from the cluster's network (cut
 * from peers and clients at once: its published ports lead to that network too). Reconnected with the
 * address and aliases it had, so its peers find it where they left it.
 */
import { ClusterError, ErrorCodes, type LinkFault } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { MemberFaults } from '../member-faults.js';
import { PROVIDER_FAULTS } from '../member-faults.js';
import { call, type Engine } from './engine.js';
import { existingMembers } from './existing.js';

const GONE_WAIT_MS = 15_000;

export function dockerMemberFaults(engine: Engine, cluster: string, network: string, log: Logger): MemberFaults {
  const cut = new Map<string, { network: string; ip?: string; aliases?: string[] }>();
  const container = async (name: string) => {
    const m = (await existingMembers(engine, cluster)).find((x) => x.name === name);
    if (!m) throw new ClusterError(ErrorCodes.faultFailed, `no member ${name} in docker cluster ${cluster}`);
    return engine.docker.getContainer(m.container);
  };
  const waitStopped = async (name: string): Promise<void> => {
    const c = await container(name);
    const deadline = Date.now() + GONE_WAIT_MS;
    while (Date.now() < deadline) {
      if (!(await c.inspect()).State.Running) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ClusterError(ErrorCodes.faultFailed, `member ${name} still running ${GONE_WAIT_MS / 1000} s after the signal`);
  };
  return {
    supports: PROVIDER_FAULTS.docker,
    async kill(name) {
      await call(`killing ${name}`, async () => (await container(name)).kill({ signal: 'SIGKILL' }));
      await waitStopped(name);
      log.warn({ member: name }, 'fault: container killed');
    },
    async stop(name) {
      await call(`stopping ${name}`, async () => (await container(name)).stop({ t: 10 }));
      log.warn({ member: name }, 'fault: container stopped');
    },
    async start(name) {
      await call(`starting ${name}`, async () => (await container(name)).start());
      log.warn({ member: name }, 'fault undone: container started');
    },
    async pause(name) {
      await call(`pausing ${name}`, async () => (await container(name)).pause());
      log.warn({ member: name }, 'fault: container paused');
    },
    async resume(name) {
      await call(`unpausing ${name}`, async () => (await container(name)).unpause());
      log.warn({ member: name }, 'fault undone: container unpaused');
    },
    async link(name, fault: LinkFault) {
      if (!fault.cut || fault.from !== 'both') throw new ClusterError(ErrorCodes.faultFailed, 'the docker provider can only cut a member off entirely (partition from: both)');
      const c = await container(name);
      const settings = (await c.inspect()).NetworkSettings.Networks[network];
      if (!settings) throw new ClusterError(ErrorCodes.faultFailed, `member ${name} is not on the cluster network ${network}`);
      cut.set(name, { network, ...(settings.IPAddress ? { ip: settings.IPAddress } : {}), ...(settings.Aliases ? { aliases: settings.Aliases } : {}) });
      await call(`disconnecting ${name} from ${network}`, () => engine.docker.getNetwork(network).disconnect({ Container: c.id, Force: true }));
      log.warn({ member: name, network }, 'fault: container disconnected from the cluster network');
    },
    async clearLink(name) {
      const was = cut.get(name);
      if (!was) return;
      const c = await container(name);
      await call(`reconnecting ${name}`, () => engine.docker.getNetwork(was.network).connect({ Container: c.id, EndpointConfig: { ...(was.ip ? { IPAMConfig: { IPv4Address: was.ip } } : {}), ...(was.aliases ? { Aliases: was.aliases } : {}) } }));
      cut.delete(name);
      log.warn({ member: name }, 'fault undone: container reconnected');
    },
  };
}

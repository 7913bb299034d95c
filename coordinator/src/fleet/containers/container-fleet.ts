/**
 * Agents as containers on the docker cluster's network (`docker.agentsInContainers`): they reach the
 * members by container name and dial the coordinator on the network's gateway; started and removed by
 * each run. etcd's metrics are still scraped from this machine, on the published ports.
 */
import { randomBytes } from 'node:crypto';
import type { Inventory } from '@etcdlab/common';
import type { Fleet, FleetFactory } from '../fleet.js';
import { localAgentIds } from '../local-agents.js';
import { containerAgentsPlan } from './agents-in-containers.js';

export const containerFleet =
  (inventory: Inventory, count: number): FleetFactory =>
  async (ctx): Promise<Fleet> => {
    const plan = await containerAgentsPlan(inventory, ctx.note);
    const ids = localAgentIds(count);
    const token = randomBytes(24).toString('base64url');
    let launcher: ReturnType<typeof plan.launcher> | undefined;
    return {
      kind: 'containers',
      listen: { host: plan.gateway, port: 0 },
      token,
      ids,
      monitors: [],
      agentEndpoints: plan.endpoints,
      record: { kind: 'containers', count, agentImage: plan.image, agentNetwork: plan.network, agentEndpoints: plan.endpoints },
      missingHint: { message: `agent containers on network ${plan.network}`, fix: `their logs are copied to ${ctx.runDir}/agents/ when the run ends; docker logs <container> while it runs` },
      async start(coordinatorUrl) {
        launcher = plan.launcher({ runId: ctx.runId, runDir: ctx.runDir, ids, token, logger: ctx.logger });
        await launcher.start(coordinatorUrl);
      },
      stop: async () => launcher?.stop(),
    };
  };

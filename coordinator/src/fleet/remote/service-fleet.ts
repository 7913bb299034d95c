/**
 * Agents installed as services on the inventory's hosts (`etcdlab agents install`): they dial the
 * inventory's coordinator address with the token kept in the project state, and wait for the next
 * coordinator when a run ends, so a run neither starts nor stops them.
 */
import { ErrorCodes, InputError, type Inventory } from '@etcdlab/common';
import type { Fleet, FleetFactory } from '../fleet.js';
import { remoteAgents } from './agent-specs.js';
import { buildAgentBundle } from './bundle.js';
import { type AgentState, requireAgentState } from './state.js';

/** When and from which bundle the agents were installed; `current` compares with a fresh bundle of these sources. */
async function installRecord(state: AgentState): Promise<{ installedAt: string; bundleSha256?: string; current?: boolean }> {
  const out: { installedAt: string; bundleSha256?: string; current?: boolean } = { installedAt: state.installedAt, ...(state.bundleSha256 ? { bundleSha256: state.bundleSha256 } : {}) };
  if (!state.bundleSha256) return out;
  try {
    out.current = (await buildAgentBundle()).sha256 === state.bundleSha256;
  } catch {
    // No esbuild here: the check is skipped, the run goes on.
  }
  return out;
}

/** Checks the inventory has load agents (before anything starts). */
export function assertHasAgents(inv: Inventory): void {
  if (!remoteAgents(inv).some((a) => a.role === 'agent'))
    throw new InputError(ErrorCodes.inventoryInvalid, `${inv.source} has no host with the agent role`, [{ file: inv.source, field: 'hosts[].roles', message: 'no load agents', fix: 'give at least one host roles: [agent]' }]);
}

export const serviceFleet =
  (inv: Inventory): FleetFactory =>
  async (ctx): Promise<Fleet> => {
    assertHasAgents(inv);
    const state = await requireAgentState(inv);
    const agents = remoteAgents(inv);
    const agentsInstall = await installRecord(state);
    if (agentsInstall.current === false) ctx.note(`warning: the agents were installed from another etcdlab build (${state.installedAt}); run etcdlab agents install -i ${inv.source} to update them`);
    return {
      kind: 'services',
      listen: { host: inv.coordinator?.address ?? '0.0.0.0', port: inv.coordinator?.port ?? 7380 },
      token: state.token,
      ids: agents.filter((a) => a.role === 'agent').map((a) => a.id),
      monitors: agents.filter((a) => a.role === 'monitor').map((a) => a.id),
      record: { kind: 'services', agentsInstall },
      missingHint: { message: 'the agent services dial the coordinator address of the inventory', fix: `etcdlab agents status -i ${inv.source} shows each service and its last log line; etcdlab agents install -i ${inv.source} (re)installs them` },
      start: async () => undefined,
      stop: async () => undefined,
    };
  };

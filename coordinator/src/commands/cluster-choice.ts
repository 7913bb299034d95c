/**
 * Which cluster and which agents a run command uses, from its options: an inventory (docker or ssh), a
 * list of endpoints (a cluster the user has), or a fresh local cluster. Input is read and refused here,
 * before anything starts.
 */
import { ErrorCodes, InputError } from '@etcdlab/common';
import { dockerSource } from '../cluster/docker/source.js';
import { externalSource, type TlsFiles } from '../cluster/external.js';
import { localSource } from '../cluster/local/source.js';
import { sshSource } from '../cluster/ssh/source.js';
import type { ClusterSource } from '../cluster/target.js';
import { containerFleet } from '../fleet/containers/container-fleet.js';
import type { FleetFactory } from '../fleet/fleet.js';
import { localFleet } from '../fleet/local-agents.js';
import { assertHasAgents, serviceFleet } from '../fleet/remote/service-fleet.js';
import { requireAgentState } from '../fleet/remote/state.js';
import { loadInventoryFile } from './inventory-file.js';

export interface ClusterChoiceOptions extends TlsFiles {
  inventory?: string;
  endpoints?: string;
  /** Local agent processes or containers (ssh inventories bring their own). */
  agents: number;
  acceptNew?: boolean;
  /** A local cluster when neither -i nor --endpoints is given (quickstart, sweep). */
  local?: { members: number; basePort?: number };
}

export interface ClusterChoice {
  source: ClusterSource;
  fleet: FleetFactory;
  /** Checks of the fleet that come before the cluster's (ssh: were the agents installed?). */
  precheck?: () => Promise<void>;
}

export function chooseCluster(o: ClusterChoiceOptions): ClusterChoice {
  if (o.inventory && o.endpoints)
    throw new InputError(ErrorCodes.optionInvalid, 'give -i or --endpoints, not both', [{ field: '--endpoints / -i', message: 'both given', fix: 'run --endpoints HOST:PORT,... -w FILE, or run -i INVENTORY -w FILE' }]);
  if (o.endpoints !== undefined) return { source: externalSource({ ...o, endpoints: o.endpoints }), fleet: localFleet(o.agents) };
  if (!o.inventory) {
    if (!o.local) throw new InputError(ErrorCodes.optionInvalid, 'no cluster given', [{ field: '--endpoints / -i', message: 'exactly one is needed', fix: 'run --endpoints HOST:PORT,... -w FILE, or run -i INVENTORY -w FILE' }]);
    return { source: localSource(o.local), fleet: localFleet(o.agents) };
  }
  const inv = loadInventoryFile(o.inventory);
  switch (inv.provider) {
    case 'docker':
      return { source: dockerSource(inv), fleet: inv.docker?.agentsInContainers ? containerFleet(inv, o.agents) : localFleet(o.agents) };
    case 'ssh':
      assertHasAgents(inv);
      return { source: sshSource(inv, { acceptNew: Boolean(o.acceptNew) }), fleet: serviceFleet(inv), precheck: async () => void (await requireAgentState(inv)) };
    default:
      throw new InputError(ErrorCodes.optionInvalid, `${o.inventory} uses the ${inv.provider} provider, which runs from the command line`, [
        { file: o.inventory, field: 'provider', message: inv.provider, fix: 'use etcdlab quickstart (or sweep) without -i for a local cluster' },
      ]);
  }
}

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, InputError, type Inventory } from '@etcdlab/common';
import { stateDir } from '../../cluster/ssh/state-dir.js';

/**
 * What `agents install` leaves on this machine for later runs: the token the agents were given (they
 * present it to the coordinator) and the coordinator address they dial. The file is mode 0600 in the
 * project's state folder (.etcdlab/agents/<cluster>.json); the token never goes into logs or results.
 */
export interface AgentState {
  cluster: string;
  inventory: string;
  coordinatorUrl: string;
  token: string;
  agents: { id: string; host: string; role: string }[];
  installedAt: string;
  /** The bundle installed (a run warns when the sources changed since). */
  bundleSha256?: string;
}

export const agentStateFile = (inv: Pick<Inventory, 'cluster'>, dir: string = stateDir()): string => path.join(dir, 'agents', `${inv.cluster.name}.json`);

export async function readAgentState(inv: Inventory, dir?: string): Promise<AgentState | undefined> {
  try {
    return JSON.parse(await readFile(agentStateFile(inv, dir), 'utf8')) as AgentState;
  } catch {
    return undefined;
  }
}

/** The state for a run: refused (exit 2, with the fix) when the agents were never installed from here. */
export async function requireAgentState(inv: Inventory, dir?: string): Promise<AgentState> {
  const s = await readAgentState(inv, dir);
  if (!s?.token) {
    throw new InputError(ErrorCodes.agentsNotInstalled, `no agents installed for cluster ${inv.cluster.name} from this project`, [
      { file: agentStateFile(inv, dir), message: 'the agents\' token is kept here by `etcdlab agents install`', fix: `run: etcdlab agents install -i ${inv.source}` },
    ]);
  }
  return s;
}

/** The existing token (so a re-install keeps the agents' identity), or a new random one. */
export const tokenFor = (existing: AgentState | undefined): string => existing?.token || randomBytes(24).toString('base64url');

export async function writeAgentState(inv: Inventory, s: AgentState, dir?: string): Promise<void> {
  const file = agentStateFile(inv, dir);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

import { splitInteger, splitRate } from '../split.js';
import type { PhaseSpec } from './load.js';

/** One agent's share of one phase. Shares of clients, operations and rate add up to the phase's. */
export interface AgentPhasePlan {
  phase: string;
  ops: PhaseSpec['ops'];
  clients: number;
  connections: number;
  /** This agent's operations (total-bound phases). */
  total?: number;
  durationMs?: number;
  /** This agent's open-loop rate in ops/s. */
  rate?: number;
  keys: {
    /** Full key prefix including the run namespace, ending in `/`. */
    prefix: string;
    distribution: 'sequential' | 'uniform';
    space: number;
    /** Sequential keys: the agent's j-th op uses key (start + (j mod count)) mod space. */
    start: number;
    count: number;
    /** Zero-padding width so that keys sort in index order. */
    width: number;
  };
  valueSize: number;
  deadlineMs: number;
  consistency: 'linearizable' | 'serializable';
}

/**
 * Splits a phase over agents. Clients are spread as evenly as integers allow (agent order breaks ties);
 * operations, rate and key slices follow each agent's client share, so an agent with no client idles.
 * For sequential keys with a total, agent i continues the global sequence where agent i-1 stops, so that
 * a total within the key space writes each key exactly once, as one client would.
 */
export function planPhase(phase: PhaseSpec, agentCount: number, namespace: string): AgentPhasePlan[] {
  if (!Number.isInteger(agentCount) || agentCount < 1) throw new RangeError(`planPhase: agentCount must be >= 1, got ${agentCount}`);
  const clients = splitInteger(phase.clients, new Array<number>(agentCount).fill(1));
  const connections = clients.map((c, i) => (c === 0 ? 0 : Math.max(1, Math.min(c, splitInteger(phase.connections, clients)[i] as number))));
  const totals = phase.total !== undefined ? splitInteger(phase.total, clients) : undefined;
  const rates = phase.rate !== undefined ? splitRate(phase.rate, clients) : undefined;
  const slices = totals ?? splitInteger(phase.keys.space, clients);
  const width = String(Math.max(0, phase.keys.space - 1)).length;
  const prefix = `${namespace.replace(/\/+$/, '')}/${phase.keys.prefix.replace(/^\/+|\/+$/g, '')}/`;

  let start = 0;
  return clients.map((c, i) => {
    const count = slices[i] as number;
    const plan: AgentPhasePlan = {
      phase: phase.name,
      ops: phase.ops,
      clients: c,
      connections: connections[i] as number,
      ...(totals ? { total: totals[i] as number } : {}),
      ...(phase.durationMs !== undefined ? { durationMs: phase.durationMs } : {}),
      ...(rates ? { rate: rates[i] as number } : {}),
      keys: {
        prefix,
        distribution: phase.keys.distribution,
        space: phase.keys.space,
        start: start % phase.keys.space,
        // An agent with clients but an empty slice (space < agents) uses the whole space.
        count: count > 0 ? count : phase.keys.space,
        width,
      },
      valueSize: phase.valueSize,
      deadlineMs: phase.deadlineMs,
      consistency: phase.consistency,
    };
    start += count;
    return plan;
  });
}

/** The key an agent's j-th operation uses under a sequential distribution. */
export function sequentialKeyIndex(keys: AgentPhasePlan['keys'], j: number): number {
  return (keys.start + (j % keys.count)) % keys.space;
}

export function formatKey(keys: Pick<AgentPhasePlan['keys'], 'prefix' | 'width'>, index: number): string {
  return keys.prefix + String(index).padStart(keys.width, '0');
}

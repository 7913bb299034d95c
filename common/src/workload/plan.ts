import { splitInteger, splitRate } from '../split.js';
import type { AgentPhasePlan, PatternPlan } from './plan-schema.js';
import type { PhaseSpec, Workload } from './spec.js';

export type { AgentPhasePlan, PatternPlan } from './plan-schema.js';

const ones = (n: number): number[] => new Array<number>(n).fill(1);

/**
 * Splits a phase over agents, as a pure function of (phase, agent count, namespace): the same input always
 * gives the same plans.
 *  - Clients are spread as evenly as integers allow (agent order breaks ties); connections, operations,
 *    rates (every ramp stage too) and watch streams follow each agent's client share, with integer shares
 *    adding up exactly (largest remainder) and rates adding up to the phase's rate.
 *  - Sequential keys are partitioned: with a total, agent i continues the global sequence where agent i-1
 *    stops (a total within the key space writes each key once, as one client would); without one, each
 *    agent cycles through its own slice of the space. Other distributions share the whole space.
 *  - Pattern phases split their simulated drivers (each with its own key tree) over the agents that have
 *    clients, and the clients follow the drivers; rates are per driver, so they follow too.
 */
/** Acknowledged puts a fault phase tracks for its durability check, split over the agents. */
export const ACKED_KEYS = 4096;

export function planPhase(phase: PhaseSpec, agentCount: number, namespace: string): AgentPhasePlan[] {
  if (!Number.isInteger(agentCount) || agentCount < 1) throw new RangeError(`planPhase: agentCount must be >= 1, got ${agentCount}`);
  const ns = namespace.replace(/\/+$/, '');
  const drivers = phase.pattern ? splitInteger(phase.pattern.drivers, ones(agentCount).map((_, i) => (i < phase.clients ? 1 : 0))) : undefined;
  const clients = drivers ? splitInteger(phase.clients, drivers) : splitInteger(phase.clients, ones(agentCount));
  const connShares = splitInteger(phase.connections, clients);
  const connections = clients.map((c, i) => (c === 0 ? 0 : Math.max(1, Math.min(c, connShares[i] as number))));
  const totals = phase.total !== undefined ? splitInteger(phase.total, clients) : undefined;
  const rates = phase.rate !== undefined ? splitRate(phase.rate, clients) : undefined;
  const stageTargets = phase.rateStages?.map((s) => splitRate(s.target, clients));
  const streams = phase.watch ? splitInteger(phase.watch.streams, clients) : undefined;
  const perOp = phase.keys.distribution === 'sequential' ? Math.max(1, ...Object.values(phase.ops).map((o) => (o.op === 'txn-put' ? (o.ops ?? 1) : 1))) : 1;
  const slices = totals ? totals.map((t) => t * perOp) : splitInteger(phase.keys.space, clients);
  const digits = String(Math.max(0, phase.keys.space - 1)).length;
  const width = Math.max(digits, phase.keys.size?.min === phase.keys.size?.max ? (phase.keys.size?.min ?? 0) : 0);
  const rel = phase.keys.prefix.replace(/^\/+|\/+$/g, '');
  // A prefix written with a leading `/` is used as is, outside the run's namespace.
  const prefix = phase.keys.prefix.startsWith('/') ? `/${rel}/` : `${ns}/${rel}/`;

  let start = 0;
  let firstDriver = 0;
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
      ...(stageTargets && phase.rateStages ? { rateStages: phase.rateStages.map((s, k) => ({ target: stageTargets[k]![i] as number, durationMs: s.durationMs })) } : {}),
      ...(phase.warmupMs > 0 ? { warmupMs: phase.warmupMs } : {}),
      keys: {
        prefix,
        distribution: phase.keys.distribution,
        space: phase.keys.space,
        start: start % phase.keys.space,
        // An agent with clients but an empty slice (space < agents) uses the whole space.
        count: count > 0 ? count : phase.keys.space,
        width,
        ...(perOp > 1 ? { perOp } : {}),
        ...(phase.keys.zipf !== undefined ? { zipf: phase.keys.zipf } : {}),
        ...(phase.keys.hot ? { hot: phase.keys.hot } : {}),
        ...(phase.keys.size && phase.keys.size.min !== phase.keys.size.max ? { size: phase.keys.size } : {}),
      },
      valueSize: phase.valueSize,
      ...(phase.valueSizeMax !== phase.valueSize ? { valueSizeMax: phase.valueSizeMax } : {}),
      deadlineMs: phase.deadlineMs,
      consistency: phase.consistency,
      ...(phase.watch && streams ? { watch: { ...phase.watch, streams: streams[i] as number } } : {}),
      ...(phase.lease ? { lease: phase.lease } : {}),
      ...(phase.pattern && drivers ? { pattern: patternPlan(phase, ns, firstDriver, drivers[i] as number) } : {}),
      ...(phase.faults?.length ? { observe: { ackedKeys: Math.ceil(ACKED_KEYS / agentCount) } } : {}),
    };
    start += count;
    firstDriver += drivers?.[i] ?? 0;
    return plan;
  });
}

/** Every phase of a workload split over `agentCount` agents: plans[phase][agent] (pure, deterministic). */
export function planWorkload(workload: Workload, agentCount: number, namespace: string): AgentPhasePlan[][] {
  return workload.phases.map((p) => planPhase(p, agentCount, namespace));
}

function patternPlan(phase: PhaseSpec, ns: string, first: number, count: number): PatternPlan {
  const { spec, name: _name, drivers: _d, absolute, valSpec, total, leases, ...rest } = phase.pattern!;
  return {
    spec,
    ...(valSpec ? { valSpec } : {}),
    drivers: { first, count },
    seed: ns,
    root: absolute ? '' : ns,
    ...(total !== undefined ? { total } : {}),
    ...rest,
    ...(leases ? { leases } : {}),
  };
}

/** The key an agent's j-th operation uses under a sequential distribution (element t of a multi-key op). */
export function sequentialKeyIndex(keys: AgentPhasePlan['keys'], j: number, t = 0): number {
  const perOp = keys.perOp ?? 1;
  return (keys.start + ((j * perOp + t) % keys.count)) % keys.space;
}

export function formatKey(keys: Pick<AgentPhasePlan['keys'], 'prefix' | 'width'>, index: number): string {
  return keys.prefix + String(index).padStart(keys.width, '0');
}

/** Intervals the warm-up occupies (it is rounded up to whole intervals). */
export function warmupIntervals(warmupMs: number | undefined, intervalMs: number): number {
  return warmupMs && warmupMs > 0 ? Math.ceil(warmupMs / intervalMs) : 0;
}

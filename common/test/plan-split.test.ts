import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentPhasePlanSchema } from '../src/workload/plan-schema.js';
import { planPhase, sequentialKeyIndex } from '../src/workload/plan.js';
import { resolvePhase } from '../src/workload/resolve.js';
import { phaseSchema } from '../src/workload/schema.js';
import type { PhaseSpec } from '../src/workload/spec.js';

const phase = (input: unknown): PhaseSpec => resolvePhase(phaseSchema.parse(input), false);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Any ops phase the language can express, as arbitrary input. */
const opsPhase = fc.record({
  clients: fc.integer({ min: 1, max: 200 }),
  connections: fc.integer({ min: 1, max: 20 }),
  total: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  rate: fc.option(fc.double({ min: 0.5, max: 50_000, noNaN: true }), { nil: undefined }),
  stages: fc.option(fc.array(fc.record({ target: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 20_000, noNaN: true })), duration: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 4 }), { nil: undefined }),
  streams: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  space: fc.integer({ min: 1, max: 1_000_000 }),
  distribution: fc.constantFrom('sequential', 'uniform', 'zipf', 'hot'),
  txnOps: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
});
type OpsPhase = typeof opsPhase extends fc.Arbitrary<infer T> ? T : never;

function build(x: OpsPhase): PhaseSpec {
  return phase({
    name: 'p',
    ops: x.txnOps ? { put: 1, 'txn-put': { ops: x.txnOps } } : { put: 3, get: 1 },
    clients: x.clients,
    connections: Math.min(x.connections, x.clients),
    ...(x.total !== undefined ? { total: x.total } : { duration: '10s' }),
    ...(x.stages ? { rate: { start: x.rate ?? 0, stages: x.stages.map((s) => ({ target: s.target, duration: s.duration })) } } : x.rate !== undefined ? { rate: x.rate } : {}),
    ...(x.streams ? { watch: { streams: x.streams } } : {}),
    keys: { distribution: x.distribution, space: x.space, ...(x.distribution === 'hot' ? { hot: { keys: 0.1, ops: 0.9 } } : {}) },
  });
}

describe('splitting a phase over agents (property-based)', () => {
  it('shares of clients, connections, operations, rates, ramp stages and watch streams add up exactly', () => {
    fc.assert(
      fc.property(opsPhase, fc.integer({ min: 1, max: 64 }), (x, agents) => {
        const p = build(x);
        const plans = planPhase(p, agents, 'etcdlab/run');
        expect(plans).toHaveLength(agents);
        expect(sum(plans.map((a) => a.clients))).toBe(p.clients);
        for (const a of plans) {
          // Connections never exceed the agent's clients, and an agent with clients has one.
          expect(a.connections).toBeLessThanOrEqual(a.clients);
          if (a.clients > 0) expect(a.connections).toBeGreaterThanOrEqual(1);
          expect(agentPhasePlanSchema.safeParse(a).success).toBe(true);
        }
        if (p.total !== undefined) expect(sum(plans.map((a) => a.total ?? 0))).toBe(p.total);
        if (p.rate !== undefined) expect(sum(plans.map((a) => a.rate ?? 0))).toBeCloseTo(p.rate, 6);
        p.rateStages?.forEach((s, k) => expect(sum(plans.map((a) => a.rateStages![k]!.target))).toBeCloseTo(s.target, 6));
        if (p.watch) expect(sum(plans.map((a) => a.watch?.streams ?? 0))).toBe(p.watch.streams);
        // Nothing goes to an agent without clients.
        for (const a of plans.filter((y) => y.clients === 0)) {
          expect(a.total ?? 0).toBe(0);
          expect(a.rate ?? 0).toBe(0);
          expect(a.watch?.streams ?? 0).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic: the same input gives the same plans', () => {
    fc.assert(
      fc.property(opsPhase, fc.integer({ min: 1, max: 32 }), (x, agents) => {
        const p = build(x);
        expect(planPhase(p, agents, 'ns')).toEqual(planPhase(structuredClone(p), agents, 'ns'));
      }),
      { numRuns: 200 },
    );
  });

  it('partitions sequential keys: a total within the space writes every key exactly once, multi-key ops too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }), (total, agents, clients, perOp) => {
        const p = phase({ name: 'w', ops: perOp > 1 ? { 'txn-put': { ops: perOp } } : { put: 1 }, clients, total, keys: { space: total * perOp } });
        const plans = planPhase(p, agents, 'ns');
        const seen = new Map<number, number>();
        for (const a of plans) for (let j = 0; j < (a.total ?? 0); j++) for (let t = 0; t < perOp; t++) {
          const k = sequentialKeyIndex(a.keys, j, t);
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
        expect(seen.size).toBe(total * perOp);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('without a total, sequential slices of the space are disjoint and cover it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 64 }), (space, agents, clients) => {
        fc.pre(space >= clients);
        const plans = planPhase(phase({ name: 'w', ops: { put: 1 }, clients, duration: '5s', keys: { space } }), agents, 'ns').filter((a) => a.clients > 0);
        const covered = new Set<number>();
        for (const a of plans) for (let j = 0; j < a.keys.count; j++) covered.add(sequentialKeyIndex(a.keys, j));
        expect(sum(plans.map((a) => a.keys.count))).toBe(space);
        expect(covered.size).toBe(space);
      }),
      { numRuns: 150 },
    );
  });

  it('pattern phases split their drivers (each its own key tree) and the clients follow them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 16 }), (drivers, clients, agents) => {
        const p = phase({ name: 'armada', pattern: { spec: '/p/:ip/%a-%d[10];[0-9]{5}', drivers }, clients });
        const plans = planPhase(p, agents, 'etcdlab/r');
        expect(sum(plans.map((a) => a.pattern!.drivers.count))).toBe(drivers);
        expect(sum(plans.map((a) => a.clients))).toBe(clients);
        let next = 0;
        for (const a of plans) {
          expect(a.pattern!.drivers.first).toBe(next);
          next += a.pattern!.drivers.count;
          // Drivers and clients go together: no agent has one without the other.
          expect(a.clients > 0).toBe(a.pattern!.drivers.count > 0);
          expect(a.pattern!.seed).toBe('etcdlab/r');
        }
        expect(planPhase(p, agents, 'etcdlab/r')).toEqual(plans);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a prefix with a leading slash outside the run namespace', () => {
    const [a] = planPhase(phase({ name: 'w', ops: { put: 1 }, total: 1, keys: { prefix: '/registry/pods' } }), 1, 'etcdlab/r1');
    expect(a!.keys.prefix).toBe('/registry/pods/');
    const [b] = planPhase(phase({ name: 'w', ops: { put: 1 }, total: 1, keys: { prefix: 'registry/pods' } }), 1, 'etcdlab/r1');
    expect(b!.keys.prefix).toBe('etcdlab/r1/registry/pods/');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitInteger, splitRate } from '../src/split.js';
import { parseWorkload } from '../src/workload/load.js';
import { planPhase, sequentialKeyIndex } from '../src/workload/plan.js';

describe('splitInteger', () => {
  it('shares add up to the total, are near-proportional, and are deterministic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }), (total, weights) => {
        fc.pre(weights.some((w) => w > 0));
        const shares = splitInteger(total, weights);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        const sum = weights.reduce((a, b) => a + b, 0);
        shares.forEach((s, i) => {
          expect(Math.abs(s - (total * weights[i]!) / sum)).toBeLessThan(1);
          if (weights[i] === 0) expect(s).toBe(0);
        });
        expect(splitInteger(total, weights)).toEqual(shares);
      }),
    );
  });

  it('splitRate shares add up to the rate', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 1e6, noNaN: true }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }), (rate, weights) => {
        fc.pre(weights.some((w) => w > 0));
        const shares = splitRate(rate, weights);
        expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(rate, 6);
      }),
    );
  });
});

describe('planPhase', () => {
  const phase = (yaml: string) => parseWorkload(`name: t\nphases:\n${yaml}`, 't.yaml').phases[0]!;

  it('sequential keys with a total are written exactly once across agents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 30 }), (total, agents, clients) => {
        const p = phase(`  - { name: w, ops: { put: 1 }, clients: ${clients}, total: ${total}, keys: { space: ${total} } }`);
        const plans = planPhase(p, agents, 'etcdlab/run');
        expect(plans.reduce((a, x) => a + x.clients, 0)).toBe(clients);
        expect(plans.reduce((a, x) => a + (x.total ?? 0), 0)).toBe(total);
        const keys = new Set<number>();
        for (const plan of plans) for (let j = 0; j < (plan.total ?? 0); j++) keys.add(sequentialKeyIndex(plan.keys, j));
        expect(keys.size).toBe(total);
        expect(planPhase(p, agents, 'etcdlab/run')).toEqual(plans);
      }),
      { numRuns: 200 },
    );
  });

  it('an agent without clients idles; rate follows clients', () => {
    const plans = planPhase(phase('  - { name: w, ops: { get: 1 }, clients: 1, duration: 5s, rate: 300 }'), 3, 'ns');
    expect(plans.map((p) => p.clients)).toEqual([1, 0, 0]);
    expect(plans.map((p) => p.rate)).toEqual([300, 0, 0]);
    expect(plans[0]!.keys.prefix).toBe('ns/w/');
  });
});

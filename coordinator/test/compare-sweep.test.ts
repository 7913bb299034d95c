import { describe, expect, it } from 'vitest';
import { parseWorkload } from '@etcdlab/common';
import { intListOption, sweepPlan, type SweepOptions, withClients } from '../src/commands/sweep.js';

const workload = parseWorkload(
  `name: w
phases:
  - { name: load, ops: { put: 1 }, clients: 4, duration: 2s }
  - { name: pinned, ops: { get: 1 }, clients: 20, connections: 5, total: 100 }
`,
  'w.yaml',
);
const opts = (o: Partial<SweepOptions>): SweepOptions => ({ repeat: 1, clusterMembers: 3, agents: 2, quick: true, results: 'results', open: false, json: false, ...o });

describe('sweep planning', () => {
  it('reads lists of sizes and client counts, refusing bad ones with the fix', () => {
    expect(intListOption('--members', 1, 7)('1, 3,5,7')).toEqual([1, 3, 5, 7]);
    for (const bad of ['', '0,1', '1,8', '1,x', '3,3', '1.5']) {
      try {
        intListOption('--members', 1, 7)(bad);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect((e as { code?: string }).code, bad).toBe('E_OPTION_INVALID');
        expect((e as { problems: { fix: string }[] }).problems[0]?.fix).toBe('e.g. --members 1,3,5,7');
      }
    }
  });

  it('--repeat N runs every point once per round, N rounds (interleaved, so drift spreads over all points)', () => {
    expect(sweepPlan(opts({ members: [1, 3], repeat: 3 }), workload).map((p) => p.label)).toEqual([
      '1 member(s), repeat 1/3',
      '3 member(s), repeat 1/3',
      '1 member(s), repeat 2/3',
      '3 member(s), repeat 2/3',
      '1 member(s), repeat 3/3',
      '3 member(s), repeat 3/3',
    ]);
  });

  it('plans one run per cluster size, or per client count on one cluster size', () => {
    expect(sweepPlan(opts({ members: [1, 3] }), workload).map((p) => [p.label, p.members])).toEqual([
      ['1 member(s)', 1],
      ['3 member(s)', 3],
    ]);
    const plan = sweepPlan(opts({ clients: [1, 16], phase: 'load' }), workload);
    expect(plan.map((p) => [p.label, p.members, p.workload.phases.map((x) => [x.clients, x.connections])])).toEqual([
      ['1 client(s)', 3, [[1, 1], [20, 5]]],
      ['16 client(s)', 3, [[16, 10], [20, 5]]],
    ]);
  });

  it('keeps a fixed connection count, capped by the clients', () => {
    expect(withClients(workload, 2).phases.map((p) => [p.clients, p.connections])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(withClients(workload, 64).phases.map((p) => [p.clients, p.connections])).toEqual([
      [64, 10],
      [64, 5],
    ]);
  });

  it('refuses both or neither axis, and a phase that does not exist', () => {
    expect(() => sweepPlan(opts({}), workload)).toThrow(/exactly one of --members and --clients/);
    expect(() => sweepPlan(opts({ members: [1], clients: [1] }), workload)).toThrow(/exactly one of --members and --clients/);
    expect(() => sweepPlan(opts({ clients: [1], phase: 'nope' }), workload)).toThrow(/no phase named "nope"/);
  });
});

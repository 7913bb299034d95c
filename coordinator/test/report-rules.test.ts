import { describe, expect, it } from 'vitest';
import type { OpStats, ReportPhase } from '../src/report/index.js';
import { checkPerfRules, evaluateRules, rulesFromWorkload } from '../src/report/index.js';

const stats = (o: Partial<OpStats> & { p99?: number; max?: number; stddev?: number }): OpStats => ({
  count: o.count ?? 1000,
  errors: o.errors ?? 0,
  errorsByCode: o.errorsByCode ?? {},
  errorRate: o.errorRate ?? 0,
  throughputOpsPerSec: o.throughputOpsPerSec ?? 500,
  latencyUs: { p50: 1000, p90: 2000, p99: o.p99 ?? 5000, p999: 9000, max: o.max ?? 20_000, min: 100, mean: 1200, stddev: o.stddev ?? 800 },
});

const phase = (name: string, ops: Record<string, OpStats>, all: OpStats, lateStarts = 0): ReportPhase => ({ name, startedAtMs: 0, durationMs: 1000, lateStarts, droppedStarts: 0, outcome: 'completed', reasons: [], ops, all, timeline: {}, percentiles: {}, errorsOverTime: [], agents: [], etcd: [] });

const phases = [phase('writes', { put: stats({ p99: 18_000 }) }, stats({ p99: 18_000 })), phase('mixed', { get: stats({ p99: 4000 }), put: stats({ p99: 30_000, errors: 5, errorRate: 0.005 }) }, stats({ errors: 5, errorRate: 0.004 }), 7)];

describe('verdict rules', () => {
  it("judges the workload's rules as the workload loader resolves them (latency in microseconds)", () => {
    const { rules, problems } = rulesFromWorkload([
      { name: 'put p99', phase: 'writes', op: 'put', metric: 'latency.p99', max: 20_000 },
      { name: 'mixed put p99', phase: 'mixed', op: 'put', metric: 'latency.p99', max: 25_000 },
      { name: 'throughput', phase: 'mixed', op: 'all', metric: 'throughput', min: 400 },
      { name: 'late', phase: 'mixed', op: 'all', metric: 'lateStarts', max: 0 },
    ]);
    expect(problems).toEqual([]);
    const v = evaluateRules(rules, phases);
    expect(v.status).toBe('FAIL');
    expect(v.results.map((r) => [r.rule, r.status, r.expected, r.actual])).toEqual([
      ['put p99', 'pass', '<= 20.0 ms', '18.0 ms'],
      ['mixed put p99', 'fail', '<= 25.0 ms', '30.0 ms'],
      ['throughput', 'pass', '>= 400.0 ops/s', '500.0 ops/s'],
      ['late', 'fail', '<= 0', '7'],
    ]);
  });

  it('reads durations and percentages as written, error rate and every phase (*)', () => {
    const { rules, problems } = rulesFromWorkload([
      { phase: '*', metric: 'latency.p99', max: '40ms' },
      { phase: 'mixed', op: 'all', metric: 'errorRate', max: '1%' },
    ]);
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.name, r.phase, r.op, r.max])).toEqual([
      ['rule-1', '*', 'all', 40_000],
      ['rule-2', 'mixed', 'all', 0.01],
    ]);
    const v = evaluateRules(rules, phases);
    expect(v.status).toBe('PASS');
    expect(v.results).toHaveLength(3);
  });

  it("expands etcdctl check perf's conditions", () => {
    const { rules } = rulesFromWorkload([{ checkPerf: { phase: 'writes', limit: 150 } }]);
    expect(rules).toEqual(checkPerfRules('writes', 150));
    expect(rules.map((r) => [r.metric, r.min ?? r.max])).toEqual([
      ['errors', 0],
      ['throughput', 136],
      ['latency.max', 500_000],
      ['latency.stddev', 100_000],
    ]);
    expect(evaluateRules(rules, phases).status).toBe('PASS');
    const slow = [phase('writes', {}, stats({ max: 600_000, stddev: 150_000, throughputOpsPerSec: 120 }))];
    expect(evaluateRules(rules, slow).results.map((r) => r.status)).toEqual(['pass', 'fail', 'fail', 'fail']);
  });

  it('fails, never passes, on rules it cannot judge or read', () => {
    const { rules, problems } = rulesFromWorkload([{ phase: 'nope', metric: 'latency.p99', max: 1 }, { phase: 'writes', metric: 'latency.p42', max: 1 }, { phase: 'writes', op: 'delete', metric: 'count', min: 1 }, { phase: 'writes', metric: 'count' }, 'junk']);
    expect(problems).toEqual(['workload.rules[3]: needs min or max', 'workload.rules[4]: not a rule object']);
    const v = evaluateRules(rules, phases, problems);
    expect(v.status).toBe('FAIL');
    expect(v.results.map((r) => [r.status, r.actual])).toEqual([
      ['n/a', 'the phase did not run'],
      ['n/a', 'unknown metric "latency.p42"'],
      ['n/a', 'no delete operations in the phase'],
    ]);
  });

  it('has no verdict without rules', () => {
    expect(evaluateRules([], phases)).toEqual({ status: 'NONE', reason: 'the workload has no rules', results: [], problems: [] });
    expect(rulesFromWorkload(undefined)).toEqual({ rules: [], problems: [] });
  });
});

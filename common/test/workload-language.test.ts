import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { explainWorkload } from '../src/workload/explain.js';
import { parseWorkload } from '../src/workload/load.js';

const wl = (phases: string, extra = '') => parseWorkload(`name: t\n${extra}phases:\n${phases}`, 't.yaml');
const problems = (yaml: string) => {
  try {
    parseWorkload(yaml, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('expected the workload to be refused');
};

describe('the workload language', () => {
  it('reads every operation of the mix with its options, and labels for variants of one operation', () => {
    const w = wl(`  - name: mix
    duration: 5s
    ops:
      put: 10
      get: { weight: 5, consistency: serializable }
      get-rev: { op: get, weight: 2, revision: last }
      range: { weight: 3, limit: 100, keysOnly: true }
      count: { op: range, countOnly: true }
      delete: 1
      delete-range: { span: 20 }
      txn-put: { ops: 4 }
      cas: 2
      create: 1
      cas-delete: 1
      lease-grant: 1
      lease-keepalive: 1
      lease-revoke: 1
      put-lease: 1
      compact: { weight: 0.01, retain: 500 }
    lease: { ttl: 30s, pool: 20 }
`);
    const p = w.phases[0]!;
    expect(Object.keys(p.ops)).toHaveLength(16);
    expect(p.ops.get).toEqual({ op: 'get', weight: 5, consistency: 'serializable' });
    expect(p.ops['get-rev']).toEqual({ op: 'get', weight: 2, revision: 'last' });
    expect(p.ops.count).toEqual({ op: 'range', weight: 1, countOnly: true });
    expect(p.ops['txn-put']).toMatchObject({ op: 'txn-put', ops: 4 });
    expect(p.ops.compact).toMatchObject({ weight: 0.01, retain: 500 });
    expect(p.lease).toEqual({ ttlMs: 30_000, pool: 20 });
  });

  it('reads open loop with a ramp, a warm-up, key distributions and sizes, value ranges and watchers', () => {
    const w = wl(`  - name: ramp
    ops: { put: 1 }
    rate: { start: 100, stages: [{ target: 1000, duration: 30s }, { target: 1000, duration: 1m }] }
    warmup: 5s
    keys: { distribution: zipf, zipf: 1.2, space: 5000, size: { min: 16, max: 64 } }
    value: { size: { min: 100, max: 1000 } }
    watch: { streams: 4, watchersPerStream: 25 }
  - name: hot
    ops: { get: 1 }
    total: 100
    keys: { distribution: hot, hot: { keys: 0.1, ops: 0.9 }, size: 8 }
`);
    const [ramp, hot] = w.phases;
    // A ramp without a bound runs for its stages.
    expect(ramp).toMatchObject({ rate: 100, rateStages: [{ target: 1000, durationMs: 30_000 }, { target: 1000, durationMs: 60_000 }], durationMs: 90_000, warmupMs: 5000 });
    expect(ramp!.keys).toEqual({ prefix: 'ramp', distribution: 'zipf', space: 5000, zipf: 1.2, size: { min: 16, max: 64 } });
    expect(ramp).toMatchObject({ valueSize: 100, valueSizeMax: 1000, watch: { streams: 4, watchersPerStream: 25, on: 'prefix' } });
    expect(hot!.keys).toMatchObject({ distribution: 'hot', hot: { keys: 0.1, ops: 0.9 }, size: { min: 8, max: 8 } });
    const [x] = explainWorkload(w);
    expect(x!.rates.find((r) => r.op === 'put')!.perSec).toBe(1000);
    expect(x!.rates.find((r) => r.op === 'watch-event')!.perSec).toBe(100_000);
  });

  it('reads a pattern phase with the driver\'s flag names, inline or by name, and quick overrides', () => {
    const extra = 'patterns:\n  tree: "/p/:ip/%a-%02d[4]/%b-%02d[5];[0-9]{3}"\n';
    const phases = `  - name: churn
    pattern: { use: tree, drivers: 3, churn-level-rate: 3600, churn-level: 1, watch-counts-per-level: "0,n,2", get-rate: 7200, get-level: 2, serializable-gets: true, val-spec: "10,20" }
    duration: 10m
    quick: { duration: 2s, pattern: { drivers: 1 } }
`;
    const full = wl(phases, extra).phases[0]!;
    expect(full.pattern).toMatchObject({ name: 'tree', drivers: 3, churnLevelRate: 3600, churnLevel: 1, watchCountsPerLevel: [0, 'n', 2], getRate: 7200, serializableGets: true, valSpec: { min: 10, max: 20 }, churnValRate: -1, putRate: 0 });
    const quick = parseWorkload(`name: t\n${extra}phases:\n${phases}`, 't.yaml', { quick: true }).phases[0]!;
    expect(quick).toMatchObject({ durationMs: 2000, pattern: { drivers: 1, churnLevelRate: 3600 } });
    const x = explainWorkload(parseWorkload(`name: t\n${extra}phases:\n${phases}`, 't.yaml')).at(0)!;
    expect(x.pattern).toMatchObject({ keysPerDriver: 20, keys: 60, drivers: 3 });
    expect(x.watchers).toBe((1 + 2) * 3); // level 1 (:ip) has one prefix per driver
    expect(x.rates.find((r) => r.op === 'get-level')!.perSec).toBeCloseTo(6, 9);
  });

  it('stores rules for the report, with latency bounds in microseconds; checkPerf expands to its four', () => {
    const w = wl(
      '  - { name: check, ops: { put: 1 }, rate: 150, duration: 60s }\n',
      'rules:\n  - { name: slowest, phase: check, metric: latency.max, measure: service, max: 500ms }\n  - { phase: check, metric: throughput, min: 136 }\n  - { phase: "*", metric: errorRate, max: 0.1% }\n  - checkPerf: { phase: check, limit: 150 }\n',
    );
    expect(w.rules!.slice(0, 3)).toEqual([
      { name: 'slowest', phase: 'check', op: 'all', metric: 'latency.max', measure: 'service', max: 500_000 },
      { name: 'rule-2', phase: 'check', op: 'all', metric: 'throughput', measure: 'latency', min: 136 },
      { name: 'rule-3', phase: '*', op: 'all', metric: 'errorRate', measure: 'latency', max: 0.001 },
    ]);
    expect(w.rules!.slice(3).map((r) => [r.metric, r.min ?? r.max])).toEqual([
      ['errors', 0],
      ['throughput', 136],
      ['latency.max', 500_000],
      ['latency.stddev', 100_000],
    ]);
  });

  it('refuses mistakes with the field and the fix, all at once', () => {
    const p = problems(`name: x
phases:
  - name: a
    ops: { pot: 1, get: { limit: 3 }, range: { limt: 2 } }
    duration: 5s
    warmup: 1500ms
    keys: { distribution: hot, space: 100000, size: 3 }
  - name: b
    pattern: { spec: "/x/%a-%d[3];[0-9]{3}", churn-level-rate: 10, churn-level: 5 }
  - name: c
    pattern: { use: nothere }
    rate: 5
rules:
  - { phase: zz, metric: latency.p99, max: soon }
`);
    const at = (field: string) => p.find((x) => x.field === field);
    expect(at('phases[0].ops.pot')?.fix).toContain('did you mean "put"');
    expect(at('phases[0].ops.get.limit')?.fix).toContain('range');
    expect(at('phases[0].ops.range.limt')?.fix).toBe('did you mean "limit"?');
    expect(at('phases[0].warmup')?.fix).toContain('2s');
    expect(at('phases[0].keys.hot')?.fix).toContain('hot: {');
    expect(at('phases[0].keys.size')?.fix).toContain('at least 5');
    expect(at('phases[1].pattern.churn-level')?.message).toContain('levels 0 to 1'); // the file's own spelling
    expect(at('phases[1].duration')?.fix).toContain('duration');
    expect(at('phases[2].pattern.use')?.message).toContain('nothere');
    expect(at('phases[2].rate')).toBeDefined();
    expect(at('rules[0].phase')?.fix).toContain('a, b, c');
    expect(at('rules[0].max')?.fix).toContain('500ms');
    for (const x of p) expect(x.file).toBe('bad.yaml');
  });
});

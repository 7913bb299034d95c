import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { explainWorkload } from '../src/workload/explain.js';
import { parseWorkload } from '../src/workload/load.js';
import { planPhase } from '../src/workload/plan.js';
import { agentPhasePlanSchema } from '../src/workload/plan-schema.js';

const dir = fileURLToPath(new URL('../../workloads/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const load = (f: string, quick = false) => parseWorkload(readFileSync(dir + f, 'utf8'), `workloads/${f}`, { quick });

describe('the presets in workloads/', () => {
  it('ships every preset the issue lists', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'suite.yaml',
        'check-perf-s.yaml',
        'check-perf-m.yaml',
        'check-perf-l.yaml',
        'check-perf-xl.yaml',
        'kubernetes.yaml',
        'armada-simulator.yaml',
        'benchmark-put.yaml',
        'benchmark-range.yaml',
        'benchmark-txn-put.yaml',
        'benchmark-watch-latency.yaml',
        'benchmark-lease-keepalive.yaml',
      ]),
    );
  });

  for (const f of files) {
    it(`${f} validates, full and --quick, and plans over 1 to 5 agents`, () => {
      for (const quick of [false, true]) {
        const w = load(f, quick);
        expect(w.phases.length).toBeGreaterThan(0);
        expect(explainWorkload(w)).toHaveLength(w.phases.length);
        for (const p of w.phases) {
          for (const agents of [1, 2, 5]) for (const plan of planPhase(p, agents, 'etcdlab/r')) expect(agentPhasePlanSchema.safeParse(plan).success).toBe(true);
          // Every phase is bounded: a total, a duration, or (pattern) an initial load that ends.
          expect(p.total !== undefined || p.durationMs !== undefined || (p.pattern !== undefined && !p.pattern.skipInit)).toBe(true);
          // Quick runs are short: used by the integration tests that run every preset briefly.
          if (quick && p.durationMs !== undefined) expect(p.durationMs).toBeLessThanOrEqual(10_000);
        }
      }
    });
  }

  it('check-perf profiles carry etcdctl\'s limits and PASS rules', () => {
    const profiles = { s: [150, 50], m: [1000, 200], l: [8000, 500], xl: [15000, 1000] } as const;
    for (const [name, [limit, clients]] of Object.entries(profiles)) {
      const w = load(`check-perf-${name}.yaml`);
      expect(w.phases[0]).toMatchObject({ rate: limit, clients, durationMs: 60_000, valueSize: 1024, keys: { size: { min: 256, max: 256 } } });
      const rule = (n: string) => w.rules!.find((r) => r.name === n);
      expect(rule('throughput')!.min).toBeGreaterThan(0.9 * limit);
      expect(rule('throughput')!.min).toBeLessThanOrEqual(0.9 * limit + 1);
      expect(rule('slowest')).toMatchObject({ metric: 'latency.max', max: 500_000, measure: 'service' });
      expect(rule('stddev')).toMatchObject({ metric: 'latency.stddev', max: 100_000 });
      expect(rule('errors')).toMatchObject({ metric: 'errors', max: 0 });
    }
  });

  it('armada-simulator explains to 120,000 keys per driver, 2,400 prefixes at level 5 and 24,000 at level 6', () => {
    const [init, steady] = explainWorkload(load('armada-simulator.yaml'));
    expect(init!.pattern).toMatchObject({ keysPerDriver: 120_000 });
    expect(init!.pattern!.levels[5]!.prefixes).toBe(2_400);
    expect(init!.pattern!.levels[6]!.prefixes).toBe(24_000);
    const r = Object.fromEntries(steady!.rates.map((x) => [x.op, x.perSec]));
    expect(r['churn-val']).toBeCloseTo(1, 9); // 3600/h
    expect(r['churn-delete']).toBeCloseTo(0.5, 9); // 3600 ticks/h, half of them deletes
    expect(r['churn-put']).toBeCloseTo(25, 9); // the other half put back 50 keys each
    expect(r['get-level']).toBeCloseTo(14, 9); // 50400/h
    expect(r['prefix-get']).toBeCloseTo(100 / 300, 9); // 100 watchers every 5 minutes
    expect(r['lease-grant']).toBeCloseTo(2.5, 9); // 5000 leases of 2000 s
    expect(steady!.watchers).toBe(100);
  });

  it('kubernetes keeps the robustness weights: reads half, writes half, under registry/pods/', () => {
    const p = load('kubernetes.yaml').phases[0]!;
    expect(p.keys.prefix).toBe('registry/pods/default');
    const w = (n: string) => p.ops[n]!.weight;
    expect([w('list'), w('get-rev'), w('get'), w('list-stale'), w('get-stale')]).toEqual([40, 4, 2.5, 2.5, 1]);
    expect([w('update'), w('create'), w('delete')]).toEqual([45, 2.5, 2.5]);
    expect(p.ops.update!.op).toBe('cas');
    expect(p.ops.delete!.op).toBe('cas-delete');
  });
});

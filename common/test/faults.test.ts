import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { availabilityOf, intersectGaps } from '../src/results/faults.js';
import { faultWindows } from '../src/workload/faults.js';
import { parseWorkload } from '../src/workload/load.js';

const phase = (faults: string, extra = 'duration: 20s') => `name: f\nphases:\n  - name: p\n    ops: { put: 1 }\n    ${extra}\n    faults:\n${faults}\n`;

function problemsOf(yaml: string): string[] {
  try {
    parseWorkload(yaml, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error('expected the workload to be refused');
}

describe('a phase\'s faults', () => {
  it('parse into specs with defaults (target leader, count 1) and expand into windows with every:', () => {
    const w = parseWorkload(phase('      - { action: kill, at: 2s, for: 3s, every: 8s }\n      - { action: compact, at: 1s }'), 'f.yaml');
    const f = w.phases[0]?.faults ?? [];
    expect(f[0]).toEqual({ action: 'kill', target: 'leader', count: 1, atMs: 2000, forMs: 3000, everyMs: 8000 });
    expect(faultWindows(f, 20_000).map((x) => [x.action, x.fromMs, x.toMs])).toEqual([
      ['compact', 1000, undefined],
      ['kill', 2000, 5000],
      ['kill', 10_000, 13_000],
      ['kill', 18_000, 20_000],
    ]);
  });

  it('refuses every impossible fault at once, naming the field', () => {
    const problems = problemsOf(
      phase(`      - { action: kill, at: 25s, for: 1s }
      - { action: pause, at: 2s }
      - { action: defrag, at: 2s, for: 1s }
      - { action: stop, at: 15s, for: 10s }
      - { action: kill, at: 1s, for: 5s, every: 5s }
      - { action: kill, target: leader, count: 2, at: 1s, for: 1s }
      - { action: compact, target: follower, at: 1s }`),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'phases[0].faults[0].at: at 25s is not inside the phase (20s)',
        'phases[0].faults[1].for: pause needs how long it lasts',
        'phases[0].faults[2].for: defrag is one request to etcd; it has no for:',
        'phases[0].faults[3].for: the fault ends at 25s, after the phase (20s)',
        'phases[0].faults[4].every: every 5s is not longer than the fault (5s)',
        'phases[0].faults[5].count: count 2 needs target follower or random',
        'phases[0].faults[6].target: a compaction is cluster-wide; it has no target member',
      ]),
    );
  });

  it('refuses an unknown action, listing the known ones', () => {
    expect(problemsOf(phase('      - { action: explode, at: 1s }'))[0]).toMatch(/^phases\[0\]\.faults\[0\]\.action: .*"kill".*"move-leader"/);
  });

  it('need a phase with a duration', () => {
    expect(problemsOf(phase('      - { action: kill, at: 1s, for: 1s }', 'total: 100'))).toEqual(['phases[0].faults: faults need a phase with a duration (its timeline)']);
  });

  it('are planned with the observation agents need (gaps, acknowledged puts split over the agents)', async () => {
    const { planPhase, ACKED_KEYS } = await import('../src/workload/plan.js');
    const w = parseWorkload(phase('      - { action: pause, target: follower, at: 1s, for: 1s }'), 'f.yaml');
    const plans = planPhase(w.phases[0]!, 4, 'etcdlab/r');
    expect(plans.every((p) => p.observe?.ackedKeys === ACKED_KEYS / 4)).toBe(true);
    const plain = parseWorkload('name: x\nphases:\n  - { name: p, ops: { put: 1 }, duration: 1s }\n', 'x.yaml');
    expect(planPhase(plain.phases[0]!, 2, 'etcdlab/r').every((p) => p.observe === undefined)).toBe(true);
  });
});

describe('availability from the agents\' gaps', () => {
  it('cluster-wide is where every agent had a gap at once', () => {
    expect(intersectGaps([[[0, 10], [20, 30]], [[5, 25]]])).toEqual([[5, 10], [20, 25]]);
    expect(intersectGaps([[[0, 10]], []])).toEqual([]);
  });

  it('gives the longest cluster-wide gap, each agent\'s own, and leaves out agents without the class', () => {
    const a = availabilityOf(
      new Map([
        ['a1', { write: [[1000, 4000], [9000, 9050]] as [number, number][] }],
        ['a2', { write: [[1500, 3500]] as [number, number][], read: [[0, 200]] as [number, number][] }],
      ]),
      100,
    );
    expect(a.write).toEqual({ longestMs: 2000, fromMs: 1500, toMs: 3500, agents: { a1: 3000, a2: 2000 }, gaps: [[1500, 3500]] });
    expect(a.read).toEqual({ longestMs: 200, fromMs: 0, toMs: 200, agents: { a2: 200 }, gaps: [[0, 200]] });
  });

  it('says 0 when the agents never lacked a success at the same time', () => {
    const a = availabilityOf(new Map([['a1', { write: [[0, 500]] as [number, number][] }], ['a2', { write: [[600, 900]] as [number, number][] }]]), 100);
    expect(a.write?.longestMs).toBe(0);
    expect(a.write?.gaps).toEqual([]);
  });
});

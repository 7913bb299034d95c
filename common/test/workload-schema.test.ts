import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseWorkload } from '../src/workload/load.js';

function problemsOf(yaml: string) {
  try {
    parseWorkload(yaml, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('E_WORKLOAD_INVALID');
    return e.problems;
  }
  throw new Error('expected the workload to be refused');
}

describe('workload validation', () => {
  it('names the file, the field and a fix for a mistyped field', () => {
    const problems = problemsOf('name: x\nphases:\n  - { name: a, ops: { put: 1 }, total: 10, clinets: 4 }\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'bad.yaml', field: 'phases[0].clinets', message: 'unknown field "clinets"', fix: 'did you mean "clients"?' });
  });

  it('refuses what cannot work: zero durations and deadlines, impossible or negative rule bounds, a rule op the phase lacks', () => {
    const problems = problemsOf(`name: x
phases:
  - { name: p, ops: { get: 1 }, clients: 2, duration: 0s, deadline: 0s }
rules:
  - { phase: p, metric: count, min: 100, max: 10 }
  - { phase: p, metric: errors, max: -1 }
  - { phase: p, metric: errorRate, max: 150% }
  - { phase: p, metric: latency.p99, min: 2s, max: 500ms }
  - { phase: p, op: gett, metric: count, min: 1 }
  - { phase: p, op: watch-event, metric: count, min: 1 }
`);
    expect(problems.map((x) => `${x.field}: ${x.message}`).sort()).toEqual([
      'phases[0].deadline: must be longer than 0',
      'phases[0].duration: must be longer than 0',
      'rules[0].min: min 100 is above max 10: no result can pass',
      'rules[1].max: errors cannot be negative',
      'rules[2].max: an error rate is a share of 0 to 1 (0% to 100%)',
      'rules[3].min: min 2s is above max 500ms: no result can pass',
      'rules[4].op: phase "p" has no operation "gett"',
    ]);
  });

  it('reads latency bounds in microseconds, milliseconds and seconds, exact to the microsecond; refuses another unit naming the ones it takes', () => {
    const w = parseWorkload('name: x\nphases:\n  - { name: p, ops: { get: 1 }, clients: 2, total: 10 }\nrules:\n  - { phase: p, metric: latency.p50, max: 800us }\n  - { phase: p, metric: latency.p99, max: 2.5ms }\n  - { phase: p, metric: latency.max, max: 1s }\n  - { phase: p, metric: latency.p90, max: 3 }\n', 'ok.yaml');
    expect((w.rules ?? []).map((r) => r.max)).toEqual([800, 2500, 1_000_000, 3000]);
    const problems = problemsOf('name: x\nphases:\n  - { name: p, ops: { get: 1 }, clients: 2, total: 10 }\nrules:\n  - { phase: p, metric: latency.p50, max: 800ns }\n');
    expect(problems.map((x) => `${x.field}: ${x.message} / ${x.fix}`)).toEqual(['rules[0].max: "800ns" is not a latency / write e.g. 500ms, 2s, 800us, or a number of milliseconds']);
  });

  it('names problems in the spelling the file uses: kebab-case pattern flags, a rule field typo, bounds above 0', () => {
    const problems = problemsOf(`name: x
patterns:
  tree: "/p/%a-%02d[4]/%leaf-%02d[3];[0-9]{20}"
phases:
  - { name: k, pattern: { use: tree, drivers: 2, skip-init: true, churn-levl: 1 }, clients: 2, duration: 1s }
  - { name: c, pattern: { use: tree, drivers: 2, churnLevl: 1 }, clients: 2, duration: 1s }
  - { name: r, ops: { put: 1 }, clients: 2, duration: 1s, rate: -100 }
rules:
  - { phase: r, metric: count, mni: 1, max: 5 }
`);
    const byField = Object.fromEntries(problems.map((x) => [x.field, `${x.message} / ${x.fix}`]));
    expect(byField['phases[0].pattern.churn-levl']).toBe('unknown field "churn-levl" / did you mean "churn-level"?');
    expect(byField['phases[1].pattern.churnLevl']).toBe('unknown field "churnLevl" / did you mean "churnLevel"?');
    expect(byField['phases[2].rate']).toMatch(/ \/ use a value above 0$/);
    expect(byField['rules[0].mni']).toBe('unknown field "mni" / did you mean "min"?');
  });

  it('collects every problem at once', () => {
    const problems = problemsOf(
      'name: x\nphases:\n  - { name: a, ops: { put: 1 }, total: 10, rate: -5 }\n  - { name: a, ops: { pot: 1 }, duration: soon, keys: { space: 0 } }\n',
    );
    const fields = problems.map((p) => p.field);
    expect(fields).toContain('phases[0].rate');
    expect(fields).toContain('phases[1].duration');
    expect(fields).toContain('phases[1].keys.space');
    expect(fields).toContain('phases[1].name');
    expect(fields.some((f) => f?.startsWith('phases[1].ops'))).toBe(true);
    expect(problems.find((p) => p.field === 'phases[0].rate')?.message).toMatch(/>0|positive|too small/i);
  });

  it('requires a total or a duration and a positive weight', () => {
    const problems = problemsOf('name: x\nphases:\n  - { name: a, ops: { put: 0 } }\n');
    expect(problems.map((p) => p.field).sort()).toEqual(['phases[0].ops', 'phases[0].total']);
  });

  it('reports YAML syntax errors with the line', () => {
    const problems = problemsOf('name: x\nphases: [\n');
    expect(problems[0]?.field).toMatch(/^line \d+/);
  });

  it('fills defaults and applies quick overrides only with --quick', () => {
    const yaml = 'name: x\nphases:\n  - { name: a, ops: { put: 1 }, clients: 20, total: 1000, quick: { duration: 2s } }\n';
    const full = parseWorkload(yaml, 'x.yaml').phases[0]!;
    expect(full).toMatchObject({ total: 1000, clients: 20, connections: 10, valueSize: 256, deadlineMs: 5000, keys: { prefix: 'a', distribution: 'sequential', space: 100000 } });
    expect(full.durationMs).toBeUndefined();
    const quick = parseWorkload(yaml, 'x.yaml', { quick: true }).phases[0]!;
    expect(quick.total).toBeUndefined();
    expect(quick.durationMs).toBe(2000);
  });
});

describe('quick overrides', () => {
  it('keep every field they do not name (no defaults leak in)', () => {
    const yaml = 'name: x\nphases:\n  - { name: m, ops: { get: 1 }, clients: 10, duration: 60s, keys: { distribution: uniform, space: 1000 }, quick: { duration: 10s, keys: { space: 200 } } }\n';
    const q = parseWorkload(yaml, 'x.yaml', { quick: true }).phases[0]!;
    expect(q).toMatchObject({ clients: 10, durationMs: 10_000, keys: { distribution: 'uniform', space: 200, prefix: 'm' } });
  });
});

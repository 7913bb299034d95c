import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseWorkload } from '../src/workload/load.js';

const text = `name: o
phases:
  - { name: writes, ops: { put: 1 }, clients: 4, total: 1000, keys: { space: 10 }, quick: { clients: 1, total: 10 } }
  - { name: reads, ops: { get: 1 }, clients: 8, duration: 10s, value: { size: 64 } }
`;

const problemsOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as InputError).problems;
  }
  return [];
};

describe('command-line overrides', () => {
  it('apply to every phase, or to --phase; --duration replaces total and wins over quick values', () => {
    const all = parseWorkload(text, 'o.yaml', { overrides: { clients: '16', duration: '3s', valueSize: '128', keySpace: '500' } });
    expect(all.phases.map((p) => [p.name, p.clients, p.durationMs, p.total, p.valueSizeMax, p.keys.space])).toEqual([
      ['writes', 16, 3000, undefined, 128, 500],
      ['reads', 16, 3000, undefined, 128, 500],
    ]);
    const quick = parseWorkload(text, 'o.yaml', { quick: true, overrides: { clients: 2, phase: 'writes' } });
    expect(quick.phases.map((p) => [p.name, p.clients, p.total])).toEqual([
      ['writes', 2, 10],
      ['reads', 8, undefined],
    ]);
    const total = parseWorkload(text, 'o.yaml', { overrides: { total: '50', phase: 'reads' } });
    expect(total.phases[1]).toMatchObject({ total: 50 });
    expect(total.phases[1]!.durationMs).toBeUndefined();
    expect(parseWorkload(text, 'o.yaml', { overrides: { rate: '200' } }).phases.every((p) => p.rate === 200)).toBe(true);
  });

  it('given --duration and --total both, each phase keeps its kind of end (also under --quick)', () => {
    for (const quick of [false, true]) {
      const w = parseWorkload(text, 'o.yaml', { quick, overrides: { duration: '2s', total: '50' } });
      expect(w.phases.map((p) => [p.name, p.total, p.durationMs])).toEqual([
        ['writes', 50, undefined],
        ['reads', undefined, 2000],
      ]);
    }
  });

  it('are checked by the workload\'s own rules, and their problems name the flag', () => {
    expect(problemsOf(() => parseWorkload(text, 'o.yaml', { overrides: { clients: '20000', phase: 'reads' } }))).toEqual([expect.objectContaining({ file: 'o.yaml', field: '--clients (phases[1].clients)', fix: 'use a value of at most 10000' })]);
    expect(problemsOf(() => parseWorkload(text, 'o.yaml', { overrides: { duration: 'soon' } }))[0]).toMatchObject({ field: '--duration (phases[0].duration)' });
    expect(problemsOf(() => parseWorkload(text, 'o.yaml', { overrides: { connections: '9', phase: 'writes' } }))[0]).toMatchObject({ field: '--connections (phases[0].connections)' });
    expect(problemsOf(() => parseWorkload(text, 'o.yaml', { overrides: { clients: 'lots' } }))[0]).toMatchObject({ field: '--clients (phases[0].clients)' });
    expect(problemsOf(() => parseWorkload(text, 'o.yaml', { overrides: { clients: 2, phase: 'nope' } }))).toEqual([expect.objectContaining({ field: '--phase', fix: 'use one of: writes, reads' })]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWorkload } from '../src/workload/load.js';
import { WORKLOAD_BOUNDS } from '../src/workload/bounds.js';

const spelled = (key: string, v: number): string[] => {
  if (key.endsWith('Ms')) return [v % 86_400_000 === 0 ? `${v / 86_400_000} day` : v % 3_600_000 === 0 ? `${v / 3_600_000} hour` : `${v / 60_000} minutes`];
  if (v >= 1e15) return [`10^${Math.log10(v)}`];
  return [v.toLocaleString('en-US')];
};

describe('workload bounds', () => {
  it('every bound is in the table of docs/workloads.md', () => {
    const doc = readFileSync(new URL('../../docs/workloads.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Bounds'), doc.indexOf('\n## ', doc.indexOf('## Bounds') + 5));
    const missing = Object.entries(WORKLOAD_BOUNDS).filter(([k, v]) => !spelled(k, v).some((s) => table.includes(s)));
    expect(missing).toEqual([]);
  });

  it('a value at its bound is accepted and one above it refused, naming the field and the bound', () => {
    const phase = (extra: string) => `name: b\nphases:\n  - { name: p, ops: { put: 1 }, duration: 1s, ${extra} }\n`;
    const problems = (text: string): { field?: string; message: string; fix?: string }[] => {
      try {
        parseWorkload(text, 'b.yaml');
        return [];
      } catch (e) {
        return (e as { problems: { field?: string; message: string; fix?: string }[] }).problems;
      }
    };
    expect(problems(phase(`clients: ${WORKLOAD_BOUNDS.clients}`))).toEqual([]);
    expect(problems(phase(`clients: ${WORKLOAD_BOUNDS.clients + 1}`))[0]).toMatchObject({ field: 'phases[0].clients', fix: 'use a value of at most 10000' });
    expect(problems(phase('value: { size: 1572864 }'))).toEqual([]);
    expect(problems(phase('value: { size: 1572865 }'))[0]).toMatchObject({ field: 'phases[0].value.size', fix: 'use a value of at most 1572864' });
    expect(problems(`name: b\nphases:\n  - { name: p, ops: { put: 1 }, duration: 168h }\n`)).toEqual([]);
    expect(problems(`name: b\nphases:\n  - { name: p, ops: { put: 1 }, duration: 169h }\n`)[0]).toMatchObject({ field: 'phases[0].duration', message: 'longer than the bound of 7 day(s)' });
  });
});

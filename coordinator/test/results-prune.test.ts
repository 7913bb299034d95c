import { describe, expect, it } from 'vitest';
import { runLabels } from '../src/commands/options.js';
import { parseAge, parseSize, prunePlan, type RunEntry } from '../src/results/prune-plan.js';

const day = 86_400_000;
const now = 100 * day;
const run = (id: string, ageDays: number, mb: number, status = 'completed'): RunEntry => ({ runId: id, dir: `/r/${id}`, createdAtMs: now - ageDays * day, bytes: mb * 1024 * 1024, status });
const runs = [run('a', 30, 100), run('b', 10, 100), run('c', 5, 100, 'running'), run('d', 2, 100), run('e', 0, 100, 'unfinished')];
const ids = (l: RunEntry[]) => l.map((r) => r.runId);

describe('results prune', () => {
  it('removes the oldest first until every limit holds, never a running run', () => {
    expect(ids(prunePlan(runs, { olderThanMs: 7 * day }, now).remove)).toEqual(['a', 'b']);
    expect(ids(prunePlan(runs, { keepLast: 2 }, now).remove)).toEqual(['a', 'b']);
    expect(ids(prunePlan(runs, { keepLast: 0 }, now).remove)).toEqual(['a', 'b', 'd', 'e']);
    expect(ids(prunePlan(runs, { maxBytes: 250 * 1024 * 1024 }, now).remove)).toEqual(['a', 'b', 'd']);
    expect(ids(prunePlan(runs, { olderThanMs: 20 * day, maxBytes: 350 * 1024 * 1024 }, now).remove)).toEqual(['a', 'b']);
    expect(ids(prunePlan(runs, { olderThanMs: 365 * day }, now).keep)).toEqual(['e', 'd', 'c', 'b', 'a']);
  });
  it('reads sizes and ages, and refuses what they are not', () => {
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('500MB')).toBe(500 * 1024 ** 2);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseAge('7d')).toBe(7 * day);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('7')).toBeUndefined();
  });
  it('--name and --tag: checked, recorded as given', () => {
    expect(runLabels({ name: 'nightly', tag: ['build=42', 'disk=nvme', 'note=a b=c'] })).toEqual({ name: 'nightly', tags: { build: '42', disk: 'nvme', note: 'a b=c' } });
    expect(runLabels({})).toEqual({});
    expect(() => runLabels({ tag: ['=x'] })).toThrow(/--tag/);
    expect(() => runLabels({ tag: ['a;b=1'] })).toThrow(/--tag/);
    expect(() => runLabels({ name: 'a\u001b[2Jb' })).toThrow(/--name/);
    expect(() => runLabels({ name: 'x'.repeat(101) })).toThrow(/--name/);
  });
});

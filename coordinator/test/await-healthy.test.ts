import { describe, expect, it } from 'vitest';
import { awaitHealthy, type MemberHealth } from '../src/cluster/await-healthy.js';

/** A fake clock and a probe whose answers are scripted per call (an election is not produced on demand). */
function scripted(answers: Array<Array<readonly [string, MemberHealth]>>) {
  let t = 0;
  let calls = 0;
  const notes: string[] = [];
  return {
    probe: async () => answers[Math.min(calls++, answers.length - 1)]!,
    opts: { timeoutMs: 5000, pollMs: 1000, note: (l: string) => notes.push(l), now: () => t, sleep: async (ms: number) => void (t += ms) },
    calls: () => calls,
    notes,
    elapsed: () => t,
  };
}
const ok = (e: string) => [e, { healthy: true, detail: '{"health":"true"}' }] as const;
const sick = (e: string) => [e, { healthy: false, detail: 'HTTP 503 from ' + e + '/health' }] as const;

describe('awaitHealthy', () => {
  it('returns at once, saying nothing, when every member is healthy', async () => {
    const s = scripted([[ok('a'), ok('b')]]);
    expect(await awaitHealthy(s.probe, s.opts)).toEqual([]);
    expect(s.calls()).toBe(1);
    expect(s.notes).toEqual([]);
  });

  it('waits through an election: sick twice, then healthy; says once what it waits for', async () => {
    const s = scripted([[ok('a'), sick('b')], [sick('a'), sick('b')], [ok('a'), ok('b')]]);
    expect(await awaitHealthy(s.probe, s.opts)).toEqual([]);
    expect(s.calls()).toBe(3);
    expect(s.elapsed()).toBe(2000);
    expect(s.notes).toEqual(['waiting up to 5 s for b to report healthy (HTTP 503 from b/health)']);
  });

  it('gives up at the bound with the last probe\'s sick members', async () => {
    const s = scripted([[sick('a'), ok('b')], [sick('a'), sick('b')]]);
    const left = await awaitHealthy(s.probe, s.opts);
    expect(left.map(([e]) => e)).toEqual(['a', 'b']);
    expect(s.elapsed()).toBe(5000);
    expect(s.calls()).toBe(6);
  });
});

import { describe, expect, it } from 'vitest';
import { AckedPuts, GapTracker, opClass, valueDigest } from '../src/ops/observe.js';

describe('what a fault phase observes on an agent', () => {
  it('gaps: stretches of at least the minimum without a success, from the start, with the trailing one, in coordinator time', () => {
    const g = new GapTracker(1000, ['write'], 100);
    for (const t of [1050, 1100, 1600, 1650, 1700]) g.success('write', t);
    g.success('read', 5000); // a class the phase does not issue is ignored
    g.success('write', 500); // before the measured start: not counted
    expect(g.finish(2000, (perf) => perf + 10_000)).toEqual({ write: [[11_100, 11_600], [11_700, 12_000]] });
  });

  it('gaps: a class without any success is one gap over the whole phase', () => {
    expect(new GapTracker(0, ['write', 'read'], 100).finish(3000, (p) => p)).toEqual({ write: [[0, 3000]], read: [[0, 3000]] });
  });

  it('gaps: the longest ones are kept when there are very many', () => {
    const g = new GapTracker(0, ['write'], 1);
    let t = 0;
    for (let i = 0; i < 2000; i++) g.success('write', (t += i === 1234 ? 500 : 2));
    const gaps = g.finish(t, (p) => p).write ?? [];
    expect(gaps.length).toBeLessThanOrEqual(256);
    expect(Math.max(...gaps.map(([a, b]) => b - a))).toBe(500);
  });

  it('classes: writes and reads of the mix, and of pattern phases by name', () => {
    expect([opClass('put'), opClass('txn-put'), opClass('get'), opClass('range'), opClass('lease-grant'), opClass('churn-val'), opClass('compact')]).toEqual(['write', 'write', 'read', 'read', undefined, 'write', undefined]);
  });

  it('acknowledged puts: the latest revision per key, a fixed sample once full', () => {
    const a = new AckedPuts(2);
    a.record(Buffer.from('k1'), 5, valueDigest(Buffer.from('v1')));
    a.record(Buffer.from('k1'), 9, valueDigest(Buffer.from('v2')));
    a.record(Buffer.from('k1'), 7, valueDigest(Buffer.from('old'))); // answered late: an older revision
    a.record(Buffer.from('k2'), 6, 'x');
    a.record(Buffer.from('k3'), 8, 'y'); // full
    expect(a.list()).toEqual([
      { key: Buffer.from('k1').toString('base64'), revision: 9, value: valueDigest(Buffer.from('v2')) },
      { key: Buffer.from('k2').toString('base64'), revision: 6, value: 'x' },
    ]);
  });
});

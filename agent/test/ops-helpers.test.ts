import { parsePattern, PatternTree, seededRandom } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { LeasePool } from '../src/ops/lease.js';
import { ChurnCycle, watchCovers, watchTargets } from '../src/ops/pattern/targets.js';
import { PendingEvents } from '../src/ops/pending-events.js';
import { RevisionTracker } from '../src/ops/revisions.js';
import { SendTimes } from '../src/ops/send-times.js';
import { readStamp, STAMP_BYTES, ValueSource } from '../src/ops/values.js';

describe('operation helpers', () => {
  it('churn-level cycles: deletes a share of the prefixes one per step, each once, then restores the same ones', () => {
    const c = new ChurnCycle(20, 5, seededRandom(1));
    const steps = Array.from({ length: 20 }, () => c.next()!);
    const deleted = steps.slice(0, 5).map((s) => s.node);
    expect(steps.slice(0, 5).every((s) => s.kind === 'delete')).toBe(true);
    expect(new Set(deleted).size).toBe(5);
    expect(steps.slice(5, 10)).toEqual(deleted.map((node) => ({ kind: 'restore', node })));
    expect(steps.slice(10, 15).every((s) => s.kind === 'delete')).toBe(true);
    expect(new ChurnCycle(5, 0).next()).toBeUndefined();
  });

  it('watch targets: n watches every prefix of a level, a count spreads over it', () => {
    const tree = new PatternTree(parsePattern('/p/%a-%d[4]/%b-%d[10];x'), { driver: 0, seed: 's', root: '' });
    const t = watchTargets(tree, [0, 'n', 5]);
    expect(t.filter((x) => x.level === 1).map((x) => x.node)).toEqual([0, 1, 2, 3]);
    expect(t.filter((x) => x.level === 2).map((x) => x.node)).toEqual([0, 8, 16, 24, 32]);
    expect(watchTargets(tree, [3]).map((x) => x.node)).toEqual([0, 0, 0]);
  });

  it('watch coverage: a key is awaited under a watched prefix at a / boundary, or as the watched key itself', () => {
    const covers = watchCovers(['/r/p/10.0.0.1/a-01', '/r/p/10.0.0.2'], true);
    expect(covers('/r/p/10.0.0.1/a-01/b-02/leaf-03')).toBe(true);
    expect(covers('/r/p/10.0.0.2/a-00/b-00/leaf-00')).toBe(true);
    expect(covers('/r/p/10.0.0.1/a-02/b-02/leaf-03')).toBe(false);
    expect(covers('/r/p/10.0.0.1/a-010/b-00')).toBe(false); // shares the name's start only
    expect(covers('/r/p/10.0.0.1/a-01')).toBe(true);
    const exact = watchCovers(['/r/k'], false);
    expect(exact('/r/k')).toBe(true);
    expect(exact('/r/k/x')).toBe(false);
  });

  it('pending events: awaited until delivered in either order, forgotten after the horizon', () => {
    const p = new PendingEvents(5_000);
    p.expect(10, 0);
    p.expect(11, 0);
    expect(p.outstanding(1)).toBe(2);
    p.delivered(10, 2);
    expect(p.outstanding(3)).toBe(1);
    p.delivered(12, 3); // its put's response comes after the event
    p.expect(12, 4);
    expect(p.outstanding(5)).toBe(1);
    p.delivered(11, 6);
    p.delivered(11, 6); // a second watcher on the same key
    expect(p.outstanding(7)).toBe(0);
    p.expect(20, 100);
    expect(p.outstanding(5_099)).toBe(1);
    expect(p.outstanding(5_101)).toBe(0); // lost with a failed stream: not waited for forever
  });

  it('stamped values carry their send time; others do not', () => {
    let now = 1_700_000_000_123.25;
    const v = new ValueSource(32, 32, () => now);
    const a = v.next();
    expect(a.length).toBe(32);
    expect(readStamp(a)).toBe(now);
    now += 5;
    expect(readStamp(v.next())).toBe(now);
    expect(readStamp(new ValueSource(32, 32, undefined).next())).toBeUndefined();
    expect(readStamp(new ValueSource(STAMP_BYTES - 1, STAMP_BYTES - 1, () => now).next())).toBeUndefined();
    const ranged = new ValueSource(10, 20, undefined, seededRandom(3));
    const lens = new Set(Array.from({ length: 200 }, () => ranged.next().length));
    expect(Math.min(...lens)).toBe(10);
    expect(Math.max(...lens)).toBe(20);
  });

  it('send times: puts by key, deletes by prefix, forgotten after the horizon', () => {
    const s = new SendTimes(10_000);
    s.notePut('a/b/1', 100);
    s.noteDelete('a/c/', 200);
    expect(s.lookup(Buffer.from('a/b/1'), false)).toBe(100);
    expect(s.lookup(Buffer.from('a/c/7'), true)).toBe(200);
    expect(s.lookup(Buffer.from('a/d/7'), true)).toBeUndefined();
    s.notePut('z', 20_000); // sweeps everything older than 10 s
    expect(s.lookup(Buffer.from('a/b/1'), false)).toBeUndefined();
    expect(s.size).toBe(1);
  });

  it('the lease pool takes, picks and forgets its oldest lease when full; revisions track the newest seen', () => {
    const p = new LeasePool(2, 60_000, seededRandom(2));
    expect(p.pick()).toBeUndefined();
    p.add(1n);
    p.add(2n);
    p.add(3n); // full: replaces the oldest slot
    expect(new Set([p.pick(), p.pick(), p.pick(), p.pick()].map(String))).not.toContain('1');
    const taken = p.take()!;
    expect([2n, 3n]).toContain(taken);
    expect(p.take()).not.toBe(taken);
    expect(p.take()).toBeUndefined();
    expect(p.ttlSeconds).toBe(60);
    const r = new RevisionTracker();
    expect(r.compactTarget(10)).toBeUndefined();
    r.seen(100);
    r.setModRevision('k', 90);
    expect(r.latest).toBe(100);
    expect(r.modRevision('k')).toBe(90);
    expect(r.compactTarget(10)).toBe(90);
    r.compactedTo(90);
    expect(r.compactTarget(10)).toBeUndefined();
  });
});

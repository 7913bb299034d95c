import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, parseWorkload, type FaultRecord } from '@etcdlab/common';
import { checkFaultTargets } from '../src/faults/fault-check.js';
import { pickMembers } from '../src/faults/cluster-roles.js';
import { durabilityProblems, ownerOf, phaseFaults, RECOVERY_SPAN_MS } from '../src/report/model/faults.js';
import type { RawPhase } from '../src/report/raw/types.js';
import type { ErrorPoint, TimelinePoint } from '../src/report/model/types.js';

const T0 = 1_000_000;
const point = (offsetSec: number, p99Ms: number, count = 100): TimelinePoint => ({ offsetSec, count, errors: 0, opsPerSec: count, p50Us: 1000, p90Us: 2000, p99Us: p99Ms * 1000, p999Us: p99Ms * 1000, maxUs: p99Ms * 1000 });
const kill: FaultRecord = { fault: 0, action: 'kill', target: 'leader', members: ['etcd-2'], plannedMs: 3000, fromMs: T0 + 3000, toMs: T0 + 7000, leaderBefore: 'etcd-2', leaderAfter: 'etcd-1', electionMs: 1500, backMs: 300 };

describe('the fault model of a phase', () => {
  const phase: RawPhase = {
    name: 'p',
    startedAtMs: T0,
    durationMs: 12_000,
    agents: [],
    faults: [kill],
    availability: { write: { longestMs: 2500, fromMs: T0 + 3100, toMs: T0 + 5600, agents: { a1: 2600 }, gaps: [[T0 + 100, T0 + 250], [T0 + 3100, T0 + 5600]] } },
    durability: { checked: 50, lost: 0, changed: 0, unreadable: 0, compacted: 0, examples: [] },
  };
  const timeline = [point(0, 10), point(1, 12), point(2, 10), point(3, 900), point(4, 0, 0), point(5, 800), point(6, 40), point(7, 30), point(8, 14), point(9, 11)];

  it('matches the gap, the errors and the p99 recovery to the window, and says it in one statement', () => {
    const f = phaseFaults(phase, timeline, [{ offsetSec: 3, op: 'put', code: 'UNAVAILABLE', count: 40 }, { offsetSec: 0, op: 'put', code: 'UNAVAILABLE', count: 1 }, { offsetSec: 5, op: 'put', code: 'DEADLINE_EXCEEDED', count: 8 }]);
    const w = f?.windows[0];
    expect(w).toMatchObject({ fromSec: 3, toSec: 7, writeGapMs: 2500, errors: { UNAVAILABLE: 40, DEADLINE_EXCEEDED: 8 }, p99RecoverySec: 2 });
    expect(w?.readGapMs).toBeUndefined();
    expect(w?.statement).toBe('kill leader (etcd-2) at +3.0 s for 4.00 s: new leader etcd-1 after 1.50 s; member answering 0.30 s after its start; no write succeeded for 2.50 s; errors UNAVAILABLE 40, DEADLINE_EXCEEDED 8; p99 back to its level 2.0 s after');
    expect(f?.durabilityStatement).toBe('50 acknowledged put(s) read back: none lost');
    expect(durabilityProblems([{ name: 'p', ...(f ? { faults: f } : {}) }])).toEqual([]);
  });

  it('names the members the failed requests were sent to, with the same window rule as the errors', () => {
    const errs: ErrorPoint[] = [{ offsetSec: 3, op: 'put', code: 'UNAVAILABLE', count: 40 }];
    const f = phaseFaults(phase, timeline, errs, 1, [{ offsetSec: 0, member: 'etcd-1', count: 1 }, { offsetSec: 3, member: 'etcd-2', count: 38 }, { offsetSec: 3, member: 'etcd-1', count: 2 }]);
    const w = f?.windows[0];
    expect(w?.errorsByMember).toEqual({ 'etcd-2': 38, 'etcd-1': 2 });
    expect(w?.statement).toContain('; errors UNAVAILABLE 40; failed requests were sent to etcd-2 (38), etcd-1 (2);');
    expect(phaseFaults(phase, timeline, errs)?.windows[0]?.errorsByMember).toBeUndefined();
  });

  it('a window\'s recovery span ends where the next fault begins: a gap the next one causes is not this one\'s', () => {
    const pause: FaultRecord = { fault: 1, action: 'pause', target: 'follower', members: ['etcd-3'], plannedMs: 8000, fromMs: T0 + 8000, toMs: T0 + 10_000 };
    const gaps: [number, number][] = [[T0 + 3100, T0 + 5600], [T0 + 8200, T0 + 9900]];
    const f = phaseFaults({ ...phase, faults: [kill, pause], availability: { write: { longestMs: 2500, fromMs: T0 + 3100, toMs: T0 + 5600, agents: {}, gaps } } }, timeline, [{ offsetSec: 8, op: 'put', code: 'DEADLINE_EXCEEDED', count: 5 }]);
    expect(f?.windows.map((w) => w.writeGapMs)).toEqual([2500, 1700]);
    expect(f?.windows[0]?.errors).toEqual({});
    expect(f?.windows[1]?.errors).toEqual({ DEADLINE_EXCEEDED: 5 });
    // A gap that starts just before the second fault (its last success came first) is the second's only.
    const early: [number, number][] = [[T0 + 3100, T0 + 5600], [T0 + 7950, T0 + 9900]];
    const g = phaseFaults({ ...phase, faults: [kill, pause], availability: { write: { longestMs: 2500, fromMs: T0 + 3100, toMs: T0 + 5600, agents: {}, gaps: early } } }, timeline, []);
    expect(g?.windows.map((w) => w.writeGapMs)).toEqual([2500, 1950]);
    // One that starts after the first fault's end, before the second, is still the first's (its recovery).
    const late: [number, number][] = [[T0 + 6500, T0 + 7500]];
    const h = phaseFaults({ ...phase, faults: [kill, pause], availability: { write: { longestMs: 1000, fromMs: T0 + 6500, toMs: T0 + 7500, agents: {}, gaps: late } } }, timeline, []);
    expect(h?.windows.map((w) => w.writeGapMs)).toEqual([1000, 0]);
  });

  it('a gap that began more than 1 s before any fault goes to the first fault it runs into, once', () => {
    const pause: FaultRecord = { fault: 1, action: 'pause', target: 'follower', members: ['etcd-3'], plannedMs: 8000, fromMs: T0 + 8000, toMs: T0 + 10_000 };
    const at = (gaps: [number, number][]) => phaseFaults({ ...phase, faults: [kill, pause], availability: { write: { longestMs: 0, fromMs: 0, toMs: 0, agents: {}, gaps } } }, timeline, [])?.windows.map((w) => w.writeGapMs);
    // Straddles the first fault's start (3 s): the first fault's, its whole length.
    expect(at([[T0 + 1000, T0 + 4500]])).toEqual([3500, 0]);
    // Runs over both faults' starts: still only the first one's.
    expect(at([[T0 + 1000, T0 + 9000]])).toEqual([8000, 0]);
    // Ends before the first fault: nobody's.
    expect(at([[T0 + 500, T0 + 2900]])).toEqual([0, 0]);
    // Starts in quiet time after the first fault's span, runs into the second fault: the second's.
    const later: FaultRecord = { ...pause, fromMs: T0 + 20_000, toMs: T0 + 21_000 };
    const g = phaseFaults({ ...phase, durationMs: 30_000, faults: [kill, later], availability: { write: { longestMs: 0, fromMs: 0, toMs: 0, agents: {}, gaps: [[T0 + 15_000, T0 + 20_500]] } } }, timeline, []);
    expect(g?.windows.map((w) => w.writeGapMs)).toEqual([0, 5500]);
  });

  it('an error interval at a boundary counts for one fault only: the one that began before its end', () => {
    // The second fault begins at +8.5 s, inside interval 8 (8..9 s), which the first fault's span also reaches.
    const pause: FaultRecord = { fault: 1, action: 'pause', target: 'follower', members: ['etcd-3'], plannedMs: 8500, fromMs: T0 + 8500, toMs: T0 + 10_000 };
    const errs: ErrorPoint[] = [7, 8, 9].map((offsetSec) => ({ offsetSec, op: 'put', code: 'UNAVAILABLE', count: offsetSec }));
    const f = phaseFaults({ ...phase, faults: [kill, pause] }, timeline, errs);
    expect(f?.windows.map((w) => w.errors)).toEqual([{ UNAVAILABLE: 7 }, { UNAVAILABLE: 17 }]);
    // An interval that ends exactly at a fault's start holds nothing of it.
    const g = phaseFaults(phase, timeline, [{ offsetSec: 2, op: 'put', code: 'UNAVAILABLE', count: 3 }]);
    expect(g?.windows[0]?.errors).toEqual({});
    // With 2 s intervals, interval 2 (2..4 s) holds the fault's start at 3 s.
    const h = phaseFaults(phase, timeline, [{ offsetSec: 2, op: 'put', code: 'UNAVAILABLE', count: 3 }], 2);
    expect(h?.windows[0]?.errors).toEqual({ UNAVAILABLE: 3 });
  });

  it('the errors over all windows never exceed the phase\'s, and an interval in a window is counted exactly once (property)', () => {
    // Faults in time order, each starting after the last one's start (they may overlap), at fractional times.
    const faultsArb = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 9000 }), len: fc.integer({ min: 0, max: 6000 }) }), { minLength: 1, maxLength: 5 });
    const errsArb = fc.array(fc.record({ offsetSec: fc.integer({ min: 0, max: 40 }), count: fc.integer({ min: 1, max: 50 }), warmup: fc.boolean() }), { maxLength: 30 });
    fc.assert(
      fc.property(faultsArb, errsArb, fc.constantFrom(1, 2), (spec, raw, intervalSec) => {
        let t = T0;
        const faults: FaultRecord[] = spec.map(({ gap, len }, i) => {
          t += gap + 0.5;
          return { ...kill, fault: i, fromMs: t, toMs: t + len };
        });
        const errs: ErrorPoint[] = raw.map((e) => ({ offsetSec: e.offsetSec * intervalSec, op: 'put', code: 'UNAVAILABLE', count: e.count, ...(e.warmup ? { warmup: true as const } : {}) }));
        const p: RawPhase = { ...phase, durationMs: 60_000, faults };
        const counted = (f: ReturnType<typeof phaseFaults>) => (f?.windows ?? []).reduce((a, w) => a + (w.errors.UNAVAILABLE ?? 0), 0);
        const measured = errs.filter((e) => !e.warmup).reduce((a, e) => a + e.count, 0);
        expect(counted(phaseFaults(p, [], errs, intervalSec))).toBeLessThanOrEqual(measured);
        // One interval alone: in at most one window; in exactly one when it overlaps a fault's window.
        for (const e of errs.filter((x) => !x.warmup)) {
          const from = T0 + e.offsetSec * 1000;
          const windows = (phaseFaults(p, [], [e], intervalSec)?.windows ?? []).filter((w) => Object.keys(w.errors).length > 0);
          expect(windows.length).toBeLessThanOrEqual(1);
          const inside = faults.some((f, i) => from < Math.min(f.toMs + RECOVERY_SPAN_MS, faults[i + 1]?.fromMs ?? Infinity) && from + intervalSec * 1000 > f.fromMs);
          // Overlapping faults can leave a long one's tail to a short later one whose span ended: only the sequential case is pinned.
          const sequential = faults.every((f, i) => i === 0 || (faults[i - 1] as FaultRecord).toMs <= f.fromMs);
          if (inside && sequential) expect(windows.length).toBe(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('one owner for a stretch: the latest fault begun before it (less the lead) in its span, else the first it runs into', () => {
    const claims = [{ fromMs: 1000, spanTo: 5000 }, { fromMs: 5000, spanTo: 12_000 }];
    expect(ownerOf(400, 600, 1000, claims)).toBe(0);
    expect(ownerOf(4999, 5100, 1000, claims)).toBe(1);
    expect(ownerOf(-2000, 800, 1000, claims)).toBe(-1);
    expect(ownerOf(-2000, 1200, 1000, claims)).toBe(0);
    expect(ownerOf(12_000, 13_000, 1000, claims)).toBe(-1);
  });

  it('a lost write is a problem that fails the verdict, with examples', () => {
    const f = phaseFaults({ ...phase, durability: { checked: 50, lost: 1, changed: 0, unreadable: 2, compacted: 0, examples: [{ key: 'etcdlab/r/p/7', revision: 42, problem: 'missing at revision 42' }] } }, timeline, []);
    expect(durabilityProblems([{ name: 'p', ...(f ? { faults: f } : {}) }])).toEqual(['E_DURABILITY_LOST: phase p: 50 acknowledged put(s) read back: 1 LOST, 0 with another value, 2 could not be read; e.g. etcdlab/r/p/7 @42: missing at revision 42']);
  });

  it('a phase without faults has no fault model', () => {
    expect(phaseFaults({ name: 'p', startedAtMs: 0, durationMs: 1, agents: [] }, [], [])).toBeUndefined();
  });
});

describe('fault targets', () => {
  const roles = { members: [{ name: 'etcd-1', clientUrl: 'a', id: '1', leader: '2' }, { name: 'etcd-2', clientUrl: 'b', id: '2', leader: '2' }, { name: 'etcd-3', clientUrl: 'c', id: '3', leader: '2' }], leader: { name: 'etcd-2', clientUrl: 'b', id: '2', leader: '2' } };
  it('resolve leader, followers and names at the moment, or say why not', () => {
    expect(pickMembers('leader', 1, roles).names).toEqual(['etcd-2']);
    expect(pickMembers('follower', 2, roles).names.sort()).toEqual(['etcd-1', 'etcd-3']);
    expect(pickMembers('follower', 3, roles).problem).toBe('3 follower(s) asked, the cluster has 2');
    expect(pickMembers('etcd-9', 1, roles).problem).toBe('no member named etcd-9 (members: etcd-1, etcd-2, etcd-3)');
    expect(pickMembers('leader', 1, { members: roles.members }).problem).toBe('no member knows a leader at this moment');
  });

  it('are checked against the provider and the cluster before a run, naming the file and field', () => {
    const w = parseWorkload('name: f\nphases:\n  - name: p\n    ops: { put: 1 }\n    duration: 10s\n    faults:\n      - { action: pause, target: etcd-7, at: 1s, for: 1s }\n      - { action: kill, target: follower, count: 3, at: 2s, for: 1s }\n      - { action: defrag, target: follower, at: 5s }\n', 'f.yaml');
    const problems = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as InputError).problems.map((p) => `${p.file} ${p.field}: ${p.message}`);
      }
      return [];
    };
    expect(problems(() => checkFaultTargets(w, { provider: 'external' }))).toEqual(['f.yaml phases[0].faults[0].action: the external provider cannot pause a member', 'f.yaml phases[0].faults[1].action: the external provider cannot kill a member']);
    expect(problems(() => checkFaultTargets(w, { provider: 'local', members: ['etcd-1', 'etcd-2', 'etcd-3'] }))).toEqual(['f.yaml phases[0].faults[0].target: no member named etcd-7 in this cluster', 'f.yaml phases[0].faults[1].count: 3 follower member(s) asked of a 3-member cluster']);
    expect(problems(() => checkFaultTargets(w, { provider: 'local' }))).toEqual([]);
  });
});

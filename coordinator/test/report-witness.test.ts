import { describe, expect, it } from 'vitest';
import type { RawPhase } from '../src/report/raw/types.js';
import { integrityWithWitness, witnessOf, type WitnessInput } from '../src/report/model/witness.js';
import { ExitStatus, exitStatusOf } from '@etcdlab/common';

const phase = (over: Partial<RawPhase> = {}): RawPhase => ({
  name: 'writes',
  startedAtMs: 10_000,
  durationMs: 10_000,
  agents: [
    { agentId: 'a1', clients: 4, startSkewMs: 0, elapsedMs: 10_000, endedBy: 'duration' },
    { agentId: 'a2', clients: 4, startSkewMs: 0, elapsedMs: 10_000, endedBy: 'duration' },
  ],
  witness: { fromRevision: 100, toRevision: 100 + 50_000 },
  ...over,
});
const input = (over: Partial<WitnessInput> = {}): WitnessInput => ({
  phase: phase(),
  agentWrites: 50_000,
  agentWritesById: new Map([['a1', 25_000], ['a2', 25_000]]),
  errorsByOp: new Map(),
  shared: false,
  leases: false,
  ...over,
});

describe('the witness: etcd counted N writes, agents accounted for M', () => {
  it('equal on a dedicated cluster with no fault', () => {
    expect(witnessOf(input())).toMatchObject({ etcdWrites: 50_000, agentWrites: 50_000, difference: 0, status: 'equal', causes: [], statement: 'etcd counted 50,000 writes, agents accounted for 50,000' });
  });

  it('a restart allows its checkpoint window (the agent\'s writes in 100 ms) and its requests in flight', () => {
    const w = witnessOf(input({ agentWrites: 49_900, phase: phase({ restarts: [{ agentId: 'a1', lostAtMs: 14_000, backAtMs: 16_000, rejoined: true }] }) }))!;
    // a1 wrote 2,500/s: 250 in 100 ms, plus its 4 clients' requests in flight.
    expect(w.allowance).toBe(254);
    expect(w.status).toBe('within-window');
    expect(w.statement).toBe('etcd counted 50,000 writes, agents accounted for 49,900 (100 fewer, within the 254 the faults allow)');
    expect(w.causes[0]).toContain('agent a1 restarted at +4.0 s');
    expect(witnessOf(input({ agentWrites: 49_000, phase: phase({ restarts: [{ agentId: 'a1', lostAtMs: 14_000, backAtMs: 16_000, rejoined: true }] }) }))!.status).toBe('unexplained');
  });

  it('a restart whose last save was longer ago than the checkpoint period allows what the agent measured since (a slipped timer)', () => {
    const restarts = [{ agentId: 'a1', lostAtMs: 14_000, backAtMs: 16_000, rejoined: true }];
    const iv = (instance: string, startMs: number, checkpointAtMs?: number) => ({ agentId: 'a1', phase: 'writes', instance, startMs, lengthMs: 1000, ...(checkpointAtMs !== undefined ? { checkpointAtMs } : {}) });
    // Instance i1's last save: a checkpoint at 13,750 (250 ms before it was lost); i2 came back in the same interval.
    const intervals = [iv('i1', 12_000), iv('i1', 13_000, 13_650), iv('i1', 13_000, 13_750), iv('i2', 13_000), iv('i2', 15_000)];
    const w = witnessOf(input({ agentWrites: 49_400, phase: phase({ restarts }), intervals }))!;
    // 2,500/s x 250 ms = 625, plus 4 in flight.
    expect(w.allowance).toBe(629);
    expect(w.status).toBe('within-window');
    expect(w.causes[0]).toContain('its last 250 ms before it was seen to go');
    // A save after the loss (a clock step) does not shrink the window below the checkpoint period.
    expect(witnessOf(input({ agentWrites: 49_900, phase: phase({ restarts }), intervals: [iv('i1', 13_000, 14_020)] }))!.allowance).toBe(254);
    // Last heard of at 14,000 but its connection closed at 14,200: it may have measured until then.
    expect(witnessOf(input({ agentWrites: 49_400, phase: phase({ restarts: [{ ...restarts[0]!, awayAtMs: 14_200 }] }), intervals }))!.allowance).toBe(1129);
    // Its busiest whole interval (3,000 writes in 1 s) sets the rate, not the phase average its downtime lowered.
    const busy = [...intervals, { ...iv('i1', 11_000), writes: 3000 }];
    expect(witnessOf(input({ agentWrites: 49_400, phase: phase({ restarts }), intervals: busy }))!.allowance).toBe(754);
    // An instance that saved nothing: everything since the phase start may be etcd's only.
    expect(witnessOf(input({ agentWrites: 40_000, phase: phase({ restarts }), intervals: [] }))!.allowance).toBe(10_004);
  });

  it('names a lost agent, failed writes, lease ops and a shared cluster as causes', () => {
    const lost = phase({ agents: [{ agentId: 'a1', clients: 4, startSkewMs: 0, elapsedMs: 3000, endedBy: 'lost' }] });
    expect(witnessOf(input({ phase: lost, agentWrites: 30_000 }))).toMatchObject({ status: 'explained', causes: [expect.stringContaining('agent a1 was lost')] });
    expect(witnessOf(input({ agentWrites: 49_990, errorsByOp: new Map([['put', 12], ['get', 99]]) }))).toMatchObject({ status: 'within-window', allowance: 12 });
    expect(witnessOf(input({ agentWrites: 40_000, leases: true }))!.causes.join()).toContain('lease');
    expect(witnessOf(input({ agentWrites: 40_000, shared: true }))!.causes.join()).toContain('--endpoints');
  });

  it('an agent that failed its phase or was given up on after an interrupt is a cause without a bound', () => {
    for (const endedBy of ['failed', 'interrupted'] as const) {
      const p = phase({ agents: [{ agentId: 'a2', clients: 4, startSkewMs: 0, elapsedMs: 3000, endedBy }] });
      expect(witnessOf(input({ phase: p, agentWrites: 30_000 })), endedBy).toMatchObject({ status: 'explained', causes: [expect.stringMatching(/^agent a2 (failed its phase|was interrupted)/)] });
    }
  });

  it('an unexplained witness fails the integrity (exit 3); explained or within the window does not', () => {
    const ok = { ok: true, mismatches: [] };
    const unexplained = witnessOf(input({ agentWrites: 49_000 }))!;
    const integrity = integrityWithWitness(ok, [{ name: 'writes', witness: unexplained }, { name: 'reads' }]);
    expect(integrity.ok).toBe(false);
    expect(integrity.mismatches).toEqual([{ kind: 'witness', agentId: 'all agents', phase: 'writes', op: 'writes', detail: expect.stringContaining('witness: etcd counted 50,000 writes, agents accounted for 49,000 (1,000 fewer, unexplained)') }]);
    const summary = { status: 'completed' as const, integrity, verdict: { status: 'PASS' as const, reason: '', results: [], problems: [] } };
    expect(exitStatusOf(summary)).toBe(ExitStatus.resultsInvalid);
    const lost = phase({ agents: [{ agentId: 'a1', clients: 4, startSkewMs: 0, elapsedMs: 3000, endedBy: 'lost' }] });
    expect(integrityWithWitness(ok, [{ name: 'writes', witness: witnessOf(input({ phase: lost, agentWrites: 30_000 }))! }])).toBe(ok);
  });

  it('more writes in the results than etcd counted is never explained away', () => {
    expect(witnessOf(input({ agentWrites: 50_001, shared: true }))).toMatchObject({ status: 'unexplained', difference: 1 });
  });

  it('no revision read: no witness', () => {
    const { witness: _w, ...noWitness } = phase();
    expect(witnessOf(input({ phase: noWitness }))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ClusterError, ErrorCodes, ExitStatus, exitStatusOf, InputError, openLoopCheck, phaseRecord, verdictLine, type RunSummary } from '../src/index.js';

type Outcome = Pick<RunSummary, 'status' | 'integrity' | 'verdict'>;
const base = (o: { status?: RunSummary['status']; ok?: boolean; verdict?: RunSummary['verdict']['status'] } = {}): Outcome => ({
  status: o.status ?? 'completed',
  integrity: { ok: o.ok ?? true, mismatches: [] },
  verdict: { status: o.verdict ?? 'NONE', reason: 'why', results: [], problems: [] },
});

describe('exit status from the summary', () => {
  it('gives each outcome its own documented status', () => {
    expect(exitStatusOf(base())).toBe(0);
    expect(exitStatusOf(base({ verdict: 'PASS' }))).toBe(0);
    expect(exitStatusOf(base({ verdict: 'NOT_A_CHECK' }))).toBe(0);
    expect(exitStatusOf(base({ verdict: 'FAIL' }))).toBe(ExitStatus.rulesFailed);
    expect(ExitStatus.rulesFailed).toBe(99);
    expect(exitStatusOf(base({ verdict: 'INCOMPLETE' }))).toBe(ExitStatus.incomplete);
    expect(exitStatusOf(base({ ok: false, verdict: 'PASS' }))).toBe(3);
    expect(exitStatusOf(base({ status: 'failed', verdict: 'INCOMPLETE' }))).toBe(1);
    expect(exitStatusOf(base({ status: 'aborted', verdict: 'INCOMPLETE' }))).toBe(130);
    expect(exitStatusOf(undefined, new InputError(ErrorCodes.optionInvalid, 'bad'))).toBe(2);
    expect(exitStatusOf(base(), new ClusterError(ErrorCodes.clusterUnhealthy, 'sick'))).toBe(1);
  });

  it('never reports success for a failed rule hidden behind an interrupt or a mismatch', () => {
    expect(exitStatusOf(base({ status: 'aborted', verdict: 'FAIL' }))).toBe(130);
    expect(exitStatusOf(base({ ok: false, verdict: 'FAIL' }))).toBe(3);
  });

  it('says the verdict in one line', () => {
    expect(verdictLine(base({ verdict: 'NOT_A_CHECK' }))).toBe('verdict NOT A CHECK: why');
    expect(verdictLine(base())).toContain('no rules');
  });
});

describe('open-loop check', () => {
  it('flags a rate not reached and an overrun, with the figures', () => {
    const c = openLoopCheck({ requestedOps: 1500, plannedDurationMs: 3000, startedOps: 582, durationMs: 7800, lateStarts: 535, droppedStarts: 918 });
    expect(c.requestedOpsPerSec).toBe(500);
    expect(c.achievedOpsPerSec).toBe(194);
    expect(c.rateReached).toBe(false);
    expect(c.overran).toBe(true);
    expect(c.problems[0]).toBe('rate not reached: 194 of 500/s (535 late, 918 dropped starts)');
    expect(c.problems[1]).toBe('ran 7.8 s of a planned 3.0 s');
  });

  it('passes a phase within the margins', () => {
    const c = openLoopCheck({ requestedOps: 600, plannedDurationMs: 3000, startedOps: 560, durationMs: 3400, lateStarts: 0, droppedStarts: 40 });
    expect([c.rateReached, c.overran, c.problems]).toEqual([true, false, []]);
    // 10% short is still reached; more is not.
    expect(openLoopCheck({ requestedOps: 1000, plannedDurationMs: 1000, startedOps: 899, durationMs: 1000, lateStarts: 0, droppedStarts: 0 }).rateReached).toBe(false);
  });
});

describe('phase record', () => {
  const agents = (ends: string[]) => ends.map((endedBy, i) => ({ agentId: `a${i}`, clients: 1, startSkewMs: 0, elapsedMs: 1000, endedBy: endedBy as 'duration' }));
  it('completed, incomplete, failed and interrupted', () => {
    const p = (ends: string[], interrupted = false) => phaseRecord({ name: 'w', startedAtMs: 0, durationMs: 9000, agents: agents(ends), interrupted });
    expect(p(['duration', 'total']).outcome).toBe('completed');
    expect(p(['duration', 'lost'])).toMatchObject({ outcome: 'incomplete', reasons: ['agent a1 was lost'] });
    expect(p(['failed', 'failed']).outcome).toBe('failed');
    expect(p(['stopped', 'stopped'], true)).toMatchObject({ outcome: 'interrupted', reasons: ['interrupted after 9.0 s'] });
    // An agent without clients that idled is not a loss.
    expect(phaseRecord({ name: 'w', startedAtMs: 0, durationMs: 1, interrupted: false, agents: [...agents(['duration']), { agentId: 'idle', clients: 0, startSkewMs: 0, elapsedMs: 0, endedBy: 'lost' }] }).outcome).toBe('completed');
  });
  it('an absent agent makes the phase incomplete (or failed when nobody was there); a rejoined restart does not', () => {
    const base = { name: 'w', startedAtMs: 0, durationMs: 9000, interrupted: false };
    expect(phaseRecord({ ...base, agents: agents(['duration']), absent: ['a9'] })).toMatchObject({ outcome: 'incomplete', reasons: ['agent a9 was not connected when the phase started'] });
    expect(phaseRecord({ ...base, agents: [], absent: ['a0', 'a1'] }).outcome).toBe('failed');
    expect(phaseRecord({ ...base, agents: agents(['duration', 'duration']), restarts: [{ agentId: 'a1', lostAtMs: 2000, backAtMs: 4000, rejoined: true }] })).toMatchObject({ outcome: 'completed', reasons: [] });
  });
  it('an agent that stopped its load early without an interrupt (no coordinator for too long) makes the phase incomplete', () => {
    const base = { name: 'w', startedAtMs: 0, durationMs: 9000, interrupted: false };
    expect(phaseRecord({ ...base, agents: agents(['duration', 'stopped']) })).toMatchObject({ outcome: 'incomplete', reasons: ['agent a1 stopped its load before its schedule ended'] });
    expect(phaseRecord({ ...base, interrupted: true, agents: agents(['stopped']) }).reasons).toEqual(['interrupted after 9.0 s']);
  });
});

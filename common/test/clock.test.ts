import { describe, expect, it } from 'vitest';
import { estimateClockOffset, toAgentTime, toCoordinatorTime } from '../src/clock.js';

describe('clock offset', () => {
  it('uses the sample with the lowest round trip', () => {
    // Agent clock is 250 ms ahead. The slow sample's asymmetric delay would give a wrong offset.
    const est = estimateClockOffset([
      { sentAt: 1000, agentTime: 1000 + 250 + 40, receivedAt: 1050 }, // rtt 50, answered late
      { sentAt: 2000, agentTime: 2000 + 250 + 1, receivedAt: 2002 }, // rtt 2, symmetric
      { sentAt: 3000, agentTime: 3000 + 250 + 5, receivedAt: 3020 },
    ]);
    expect(est.rttMs).toBe(2);
    expect(est.offsetMs).toBe(250);
    expect(est.samples).toBe(3);
  });

  it('bounds the error by half the round trip', () => {
    const trueOffset = -1234.5;
    const sent = 10_000;
    const oneWayOut = 3;
    const oneWayBack = 1;
    const est = estimateClockOffset([{ sentAt: sent, agentTime: sent + oneWayOut + trueOffset, receivedAt: sent + oneWayOut + oneWayBack }]);
    expect(Math.abs(est.offsetMs - trueOffset)).toBeLessThanOrEqual(est.rttMs / 2);
  });

  it('converts between clocks both ways', () => {
    expect(toCoordinatorTime(toAgentTime(5000, 42.5), 42.5)).toBe(5000);
    expect(toAgentTime(5000, -10)).toBe(4990);
  });

  it('refuses no samples and time travel', () => {
    expect(() => estimateClockOffset([])).toThrow(RangeError);
    expect(() => estimateClockOffset([{ sentAt: 10, agentTime: 0, receivedAt: 5 }])).toThrow(/before it was sent/);
  });
});

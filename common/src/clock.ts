/**
 * Clock-offset estimation (Cristian's method): the coordinator sends a ping at t0 (its clock), the agent
 * answers with its own time, the answer arrives at t1. Assuming a symmetric path, the agent's clock read
 * at (t0 + t1) / 2 coordinator time, so offset = agentTime - (t0 + t1) / 2 and the error is at most
 * rtt / 2. Of several rounds the one with the lowest round trip wins: it bounds the error most tightly.
 */
export interface PingSample {
  /** Coordinator clock when the ping was sent (ms). */
  sentAt: number;
  /** Agent clock when it answered (ms). */
  agentTime: number;
  /** Coordinator clock when the answer arrived (ms). */
  receivedAt: number;
}

export interface ClockEstimate {
  /** agent clock minus coordinator clock (ms): agentTime = coordinatorTime + offsetMs. */
  offsetMs: number;
  /** Round trip of the winning sample (ms); the offset is exact to within rttMs / 2. */
  rttMs: number;
  samples: number;
}

export function estimateClockOffset(samples: readonly PingSample[]): ClockEstimate {
  if (samples.length === 0) throw new RangeError('estimateClockOffset needs at least one sample');
  let best: PingSample | undefined;
  for (const s of samples) {
    if (s.receivedAt < s.sentAt) throw new RangeError('a ping sample was received before it was sent');
    if (!best || s.receivedAt - s.sentAt < best.receivedAt - best.sentAt) best = s;
  }
  const b = best as PingSample;
  return { offsetMs: b.agentTime - (b.sentAt + b.receivedAt) / 2, rttMs: b.receivedAt - b.sentAt, samples: samples.length };
}

export const toAgentTime = (coordinatorTime: number, offsetMs: number): number => coordinatorTime + offsetMs;
export const toCoordinatorTime = (agentTime: number, offsetMs: number): number => agentTime - offsetMs;

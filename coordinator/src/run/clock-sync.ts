import { type ClockEstimate, clockPongSchema, estimateClockOffset, type PingSample } from '@etcdlab/common';
import type { AgentSocket } from '../fleet/agent-server.js';

const wallNowMs = (): number => performance.timeOrigin + performance.now();

/** Several ping rounds over the agent's own connection; the lowest round trip gives the offset. */
export async function syncClock(socket: AgentSocket, rounds = 8, timeoutMs = 5000): Promise<ClockEstimate> {
  const samples: PingSample[] = [];
  for (let seq = 0; seq < rounds; seq++) {
    const sentAt = wallNowMs();
    const pong = clockPongSchema.parse(await socket.timeout(timeoutMs).emitWithAck('clock:ping', { seq }));
    samples.push({ sentAt, agentTime: pong.agentTimeMs, receivedAt: wallNowMs() });
  }
  return estimateClockOffset(samples);
}

import type { IntervalReport, LiveStats, OpInterval, PhaseRecord, SparseHistogram } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer, ConnectedAgent } from '../fleet/agent-server.js';
import type { MetricsSample } from '../metrics/index.js';
import type { LiveModel, TotalsSource } from './live-model.js';

/**
 * How a run feeds its live model: every call is guarded, so a bug in the live view is logged once and
 * never fails or stops the run (the run's own results do not depend on it).
 */
export function liveFeed(model: LiveModel, logger: Logger) {
  let failures = 0;
  const guard =
    <A extends unknown[]>(what: string, f: (...a: A) => void) =>
    (...a: A): void => {
      try {
        f(...a);
      } catch (err) {
        if (failures++ === 0) logger.warn({ err: String(err), what }, 'live view: an update failed (the run goes on; later failures are not logged)');
      }
    };
  return {
    /** The engine's PhaseWatcher. */
    watch: {
      phaseStarted: guard('phase start', (info: { name: string; measuredAtMs: number; intervalMs: number; agents: readonly string[] }, merger: TotalsSource) => model.phaseStarted(info, merger)),
      merged: guard('interval', (phase: string, r: IntervalReport, op: OpInterval, d: SparseHistogram) => model.merged(phase, r, op, d)),
    },
    tick: guard('tick', (s: LiveStats, asked: number | undefined) => model.tick(s, asked)),
    phaseDone: guard('phase end', (name: string, durationMs: number, record: Pick<PhaseRecord, 'outcome'>) => model.phaseDone(name, durationMs, record)),
    sample: guard('etcd sample', (s: MetricsSample) => model.etcdSample(s)),
    agents: guard('agents', (list: readonly { agentId: string; host: string; role: string; clock?: { offsetMs: number; rttMs: number } }[], expected: number) => {
      model.expectedAgents = expected;
      for (const a of list) model.agentSeen(a);
    }),
    /** Follows agents connecting and leaving; returns how to stop. */
    follow(server: AgentServer): () => void {
      const on = guard('agent connected', (a: ConnectedAgent) => model.agentSeen({ agentId: a.hello.agentId, host: a.hello.host, role: a.hello.role }));
      const off = guard('agent gone', (a: ConnectedAgent) => {
        if (!server.get(a.hello.agentId)) model.agentGone(a.hello.agentId);
      });
      server.on('connected', on);
      server.on('disconnected', off);
      return () => {
        server.off('connected', on);
        server.off('disconnected', off);
      };
    },
  };
}

export type LiveFeed = ReturnType<typeof liveFeed>;

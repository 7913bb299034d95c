/**
 * Runs one phase of a workload through the agent's real path (PhaseExecution: the synchronized start,
 * PhaseRunner, the recorder and its interval reports) against real etcd endpoints, then merges the
 * reports with the coordinator's PhaseMerger and checks them against the agent's whole-phase histograms.
 * No coordinator process: the reports go straight to the merger.
 */
import { randomBytes } from 'node:crypto';
import {
  type AgentPhasePlan,
  type IntegrityMismatch,
  type IntervalReport,
  parseWorkload,
  type PhaseDone,
  PhaseMerger,
  type LivePhaseSummary,
  planPhase,
  warmupIntervals,
  type Workload,
} from '@etcdlab/common';
import pino from 'pino';
import { PhaseExecution, wallNowMs } from '../../src/phase-execution.js';

export interface PhaseRun {
  summary: LivePhaseSummary;
  mismatches: IntegrityMismatch[];
  reports: IntervalReport[];
  done: PhaseDone;
  /** Coordinator-clock ms of the synchronized start (warm-up included). */
  startAtMs: number;
}

/** The one agent process a harness run stands for. */
const HARNESS_INSTANCE = 'harness-instance';

export const newNamespace = (): string => `etcdlab/test-${randomBytes(4).toString('hex')}`;

export function workloadOf(yaml: string, quick = false): Workload {
  return parseWorkload(yaml, 'test.yaml', { quick });
}

/** This agent's plan of phase `i` when the phase is split over `agents` agents (agent `index`). */
export function planOf(w: Workload, i: number, namespace: string, agents = 1, index = 0): AgentPhasePlan {
  return planPhase(w.phases[i]!, agents, namespace)[index]!;
}

/** Runs the plan as agent `agentId`; resolves once its end-of-phase report is in and merged. */
export async function runPlan(plan: AgentPhasePlan, endpoints: string[], opts: { intervalMs?: number; leadMs?: number; agentId?: string; onStart?: (startAtMs: number) => void } = {}): Promise<PhaseRun> {
  const intervalMs = opts.intervalMs ?? 1000;
  const reports: IntervalReport[] = [];
  let done: PhaseDone | undefined;
  const agentId = opts.agentId ?? 'agent-1';
  const exec = new PhaseExecution(
    { runId: 'test', endpoints, clockOffsetMs: 0, intervalMs, plan },
    agentId,
    {
      interval: (r) => reports.push({ ...r, seq: reports.length, instance: HARNESS_INSTANCE }),
      done: (d) => (done = { ...d, lastSeq: reports.length - 1, instance: HARNESS_INSTANCE }),
      // No spool here: the reports go straight to the merger, so there is nothing to checkpoint into.
      checkpoint: () => undefined,
    },
    pino({ level: 'silent' }),
  );
  const startAtMs = wallNowMs() + (opts.leadMs ?? 100);
  opts.onStart?.(startAtMs);
  await exec.run(startAtMs);
  if (!done) throw new Error('the phase ended without its end-of-phase report');
  const merger = new PhaseMerger({ phase: plan.phase, agentIds: [agentId], intervalMs, startAtMs: startAtMs + warmupIntervals(plan.warmupMs, intervalMs) * intervalMs });
  for (const r of reports) merger.addInterval(r);
  const mismatches = merger.addDone(done);
  return { summary: merger.summarize(new Map([[agentId, plan.clients]])), mismatches, reports, done, startAtMs };
}

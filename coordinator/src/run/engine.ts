import {
  type Ack,
  type AgentPhasePlan,
  ErrorCodes,
  type IntegrityMismatch,
  type IntervalMaxima,
  type IntervalReport,
  PhaseMerger,
  type PhaseDone,
  type PhasePrepare,
  type PhaseSpec,
  type LivePhaseSummary,
  planPhase,
  RateSchedule,
  warmupIntervals,
  ProtocolError,
  type Workload,
} from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer } from '../fleet/agent-server.js';
import type { RosterEntry } from './agent-roster.js';
import { type AgentEnd, type PhaseRecord, phaseRecord } from '@etcdlab/common';

export interface EngineOptions {
  runId: string;
  workload: Workload;
  endpoints: string[];
  tls?: PhasePrepare['tls'];
  roster: RosterEntry[];
  server: AgentServer;
  logger: Logger;
  /** Raw reports go here as they arrive (the results folder). */
  onInterval(report: IntervalReport, maxima: IntervalMaxima): void;
  /** Each second; `askedOpsPerSec`: an open loop's rate at the live interval. */
  onLive?(merger: PhaseMerger, agentsOnline: number, askedOpsPerSec?: number): void;
  onPhaseDone?(summary: LivePhaseSummary, record: PhaseRecord): void;
  signal?: AbortSignal;
  intervalMs?: number;
  /** Time between the start message and the synchronized start: covers delivery to every agent. */
  leadMs?: number;
  /** How long an agent may stay disconnected mid-phase before it counts as lost. */
  lostAfterMs?: number;
}

export interface EngineResult {
  phases: LivePhaseSummary[];
  /** How each phase ended (manifest.json `phases`). */
  records: PhaseRecord[];
  mismatches: IntegrityMismatch[];
  warnings: string[];
  /** failed: some phase measured nothing (every agent with clients failed it or was lost). */
  status: 'completed' | 'aborted' | 'failed';
  namespace: string;
}

const wallNowMs = (): number => performance.timeOrigin + performance.now();

/**
 * Runs a workload's phases one after another over connected agents: plan, prepare (every agent
 * acknowledges), synchronized start in coordinator time, live merge of interval reports by interval
 * start, and the end-of-phase integrity check. A phase ends when every agent has reported its end or
 * is lost; an abort stops the phase in progress and keeps what was measured.
 */
export async function runWorkload(opts: EngineOptions): Promise<EngineResult> {
  const intervalMs = opts.intervalMs ?? 1000;
  const leadMs = opts.leadMs ?? 1500;
  const namespace = `etcdlab/${opts.runId}`;
  const result: EngineResult = { phases: [], records: [], mismatches: [], warnings: [], status: 'completed', namespace };
  for (const phase of opts.workload.phases) {
    if (opts.signal?.aborted) {
      result.status = 'aborted';
      break;
    }
    const { summary, record } = await runPhase(phase, { ...opts, intervalMs, leadMs, namespace }, result);
    result.phases.push(summary);
    result.records.push(record);
    opts.onPhaseDone?.(summary, record);
  }
  if (opts.signal?.aborted) result.status = 'aborted';
  else if (result.records.some((r) => r.outcome === 'failed')) result.status = 'failed';
  return result;
}

type PhaseOpts = EngineOptions & { intervalMs: number; leadMs: number; namespace: string };

async function runPhase(phase: PhaseSpec, opts: PhaseOpts, result: EngineResult): Promise<{ summary: LivePhaseSummary; record: PhaseRecord }> {
  const { server, roster, logger, runId } = opts;
  const plans = planPhase(phase, roster.length, opts.namespace);
  const planOf = new Map<string, AgentPhasePlan>(roster.map((a, i) => [a.agentId, plans[i] as AgentPhasePlan]));
  logger.info({ phase: phase.name, plans: Object.fromEntries(planOf) }, 'phase planned');

  await Promise.all(
    roster.map(async (a) => {
      const msg: PhasePrepare = { runId, endpoints: opts.endpoints, ...(opts.tls ? { tls: opts.tls } : {}), clockOffsetMs: a.clock.offsetMs, intervalMs: opts.intervalMs, plan: planOf.get(a.agentId) as AgentPhasePlan };
      expectOk(a.agentId, 'phase:prepare', await emitWithAck(server, a.agentId, 'phase:prepare', msg));
    }),
  );

  const startAtMs = wallNowMs() + opts.leadMs;
  // The measured part starts after the warm-up (whole intervals); warm-up reports are in the raw logs only.
  const measuredAtMs = startAtMs + warmupIntervals(phase.warmupMs, opts.intervalMs) * opts.intervalMs;
  const merger = new PhaseMerger({ phase: phase.name, agentIds: roster.map((a) => a.agentId), intervalMs: opts.intervalMs, startAtMs: measuredAtMs });
  const pending = new Set(roster.map((a) => a.agentId));
  const ends = new Map<string, AgentEnd>();
  let finish!: () => void;
  const allDone = new Promise<void>((r) => (finish = r));
  const markDone = (agentId: string, end: AgentEnd) => {
    if (!pending.has(agentId)) return;
    ends.set(agentId, end);
    pending.delete(agentId);
    if (pending.size === 0) finish();
  };

  server.setHandler({
    interval: (report): Ack => {
      if (report.runId !== runId) return { ok: false, code: ErrorCodes.payloadInvalid, message: `report for run ${report.runId}, not ${runId}` };
      if (report.phase !== phase.name) {
        logger.warn({ agentId: report.agentId, phase: report.phase, seq: report.seq }, 'interval report for another phase ignored');
        return { ok: true };
      }
      if (merger.addInterval(report)) opts.onInterval(report, merger.lastMaxima());
      return { ok: true };
    },
    done: (msg: PhaseDone): Ack => {
      if (msg.runId !== runId || msg.phase !== phase.name || merger.isDone(msg.agentId)) return { ok: true };
      const mismatches = merger.addDone(msg);
      for (const m of mismatches) logger.error(m, 'HISTOGRAM MISMATCH: final histogram is not the sum of its intervals');
      result.mismatches.push(...mismatches);
      markDone(msg.agentId, msg.endedBy);
      return { ok: true };
    },
    fault: (f) => {
      logger.error(f, 'agent fault');
      result.warnings.push(`agent ${f.agentId} reported ${f.code} in phase ${f.phase ?? '?'}: ${f.message}`);
      // A phase that failed on an agent sends no end-of-phase report: do not wait for one.
      if (f.phase === phase.name && pending.has(f.agentId)) markDone(f.agentId, 'failed');
    },
  });

  // An agent that stays away longer than lostAfterMs is given up on; the phase completes without it.
  const lostAfterMs = opts.lostAfterMs ?? 15_000;
  const lostTimers = new Map<string, NodeJS.Timeout>();
  const giveUpOn = (id: string, why: string, end: AgentEnd) => {
    if (!pending.has(id)) return;
    const warning = `agent ${id} ${why} during phase ${phase.name}; its results up to then are kept`;
    logger.error({ agentId: id, phase: phase.name }, warning);
    result.warnings.push(warning);
    markDone(id, end);
  };
  let aborted = false;
  let abortTimer: NodeJS.Timeout | undefined;
  const onDisconnect = (a: { hello: { agentId: string } }) => {
    const id = a.hello.agentId;
    // After an interrupt nobody waits for a reconnect (Ctrl-C reaches the local agents too).
    if (aborted) return giveUpOn(id, 'went away after the interrupt', 'interrupted');
    if (!pending.has(id) || lostTimers.has(id)) return;
    lostTimers.set(id, setTimeout(() => {
      if (!server.get(id)) giveUpOn(id, 'was lost', 'lost');
    }, lostAfterMs));
  };
  const onConnect = (a: { hello: { agentId: string } }) => {
    clearTimeout(lostTimers.get(a.hello.agentId));
    lostTimers.delete(a.hello.agentId);
  };
  server.on('disconnected', onDisconnect);
  server.on('connected', onConnect);
  const onAbort = () => {
    aborted = true;
    logger.warn({ phase: phase.name }, 'run interrupted: stopping the phase');
    for (const a of server.connected()) a.socket.emit('phase:stop', { runId, phase: phase.name, reason: 'interrupted' });
    for (const id of [...pending]) if (!server.get(id)) giveUpOn(id, 'went away after the interrupt', 'interrupted');
    // An agent that neither ends its phase nor goes away is not waited for long either.
    abortTimer = setTimeout(() => {
      for (const id of [...pending]) giveUpOn(id, 'sent no end report within 10 s of the interrupt', 'interrupted');
    }, 10_000);
  };
  opts.signal?.addEventListener('abort', onAbort);
  const schedule = phase.rate !== undefined ? new RateSchedule(phase.rate, phase.rateStages ?? []) : undefined;
  const live = setInterval(() => {
    const offset = merger.live(wallNowMs()).interval?.offsetSec ?? 0;
    opts.onLive?.(merger, roster.filter((a) => server.get(a.agentId)).length, schedule?.rateAt(offset * 1000 + opts.intervalMs / 2));
  }, 1000);

  try {
    await Promise.all(roster.map(async (a) => expectOk(a.agentId, 'phase:start', await emitWithAck(server, a.agentId, 'phase:start', { runId, phase: phase.name, startAtMs }))));
    logger.info({ phase: phase.name, startAtMs, leadMs: opts.leadMs }, 'phase start sent');
    await allDone;
  } finally {
    clearInterval(live);
    opts.signal?.removeEventListener('abort', onAbort);
    server.off('disconnected', onDisconnect);
    server.off('connected', onConnect);
    for (const t of lostTimers.values()) clearTimeout(t);
    clearTimeout(abortTimer);
    server.setHandler(undefined);
  }
  const summary = merger.summarize(new Map([...planOf].map(([id, p]) => [id, p.clients])));
  const record = phaseRecord({
    name: phase.name,
    startedAtMs: summary.startedAtMs,
    durationMs: summary.durationMs,
    interrupted: aborted,
    agents: summary.agents.map((a) => ({ agentId: a.agentId, clients: a.clients, startSkewMs: a.startSkewMs, elapsedMs: a.elapsedMs, endedBy: ends.get(a.agentId) ?? 'lost' })),
  });
  logger.info({ phase: phase.name, all: summary.all, durationMs: summary.durationMs, outcome: record.outcome, reasons: record.reasons }, 'phase merged');
  return { summary, record };
}

async function emitWithAck<E extends 'phase:prepare' | 'phase:start'>(server: AgentServer, agentId: string, event: E, msg: E extends 'phase:prepare' ? PhasePrepare : { runId: string; phase: string; startAtMs: number }): Promise<Ack> {
  const agent = server.get(agentId);
  if (!agent) throw new ProtocolError(ErrorCodes.agentLost, `agent ${agentId} is not connected (needed for ${event})`);
  return (await agent.socket.timeout(10_000).emitWithAck(event as 'phase:prepare', msg as PhasePrepare)) as Ack;
}

function expectOk(agentId: string, event: string, ack: Ack): void {
  if (!ack.ok) throw new ProtocolError(ack.code, `agent ${agentId} refused ${event}: ${ack.message}`);
}

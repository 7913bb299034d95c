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
  type PhaseStart,
  type AckedPut,
  availabilityOf,
  type ClockEstimate,
  faultWindows,
  GAP_MIN_MS,
  type InProgressPhase,
  type LivePhaseSummary,
  type OpInterval,
  planPhase,
  RateSchedule,
  warmupIntervals,
  ProtocolError,
  type SparseHistogram,
  type Workload,
} from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer } from '../fleet/agent-server.js';
import { agentsPresent, type RosterEntry } from './agent-roster.js';
import { syncClock } from './clock-sync.js';
import { PhaseAgents } from './phase-agents.js';
import { type FaultTarget, type PhaseFaults, startPhaseFaults } from '../faults/fault-runner.js';
import { checkDurability } from '../faults/durability-check.js';
import { type PhaseRecord, phaseRecord } from '@etcdlab/common';

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
  /** How long an agent may stay disconnected (or connected and silent) mid-phase before it counts as lost. */
  lostAfterMs?: number;
  /** The cluster's current revision (the witness), read before each phase starts and after it ends. */
  revision?(): Promise<number | undefined>;
  /** Each phase's synchronized start, just before it is sent (the manifest records it for a resume). */
  onPhaseStart?(phase: InProgressPhase): void;
  /** A resumed run (run --resume): phases already recorded are skipped; the one in progress is taken over. */
  resume?: EngineResume;
  /** The cluster as faults see it: phases with `faults:` inject them on it (docs/faults.md). */
  faultTarget?: FaultTarget;
  /** A line for the terminal as each fault is injected and undone. */
  onFaultNote?(line: string): void;
  /** A read-only look at each phase as it is merged (the live view, docs/live.md). */
  watch?: PhaseWatcher;
}

/** What the live view is given of each phase; it must never throw (run-session guards it). */
export interface PhaseWatcher {
  phaseStarted(info: { name: string; measuredAtMs: number; intervalMs: number; agents: readonly string[] }, merger: PhaseMerger): void;
  merged(phase: string, report: IntervalReport, op: OpInterval, decoded: SparseHistogram): void;
}

export interface EngineResume {
  /** How many of the workload's phases the earlier coordinator recorded. */
  recorded: number;
  /** The phase the earlier coordinator had started, with the reports of it already in the folder. */
  adopt?: { phase: InProgressPhase; seed: IntervalReport[]; resumedAtMs: number };
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
  /** A resume: reports of the phase taken over that were measured while no coordinator was there. */
  deliveredLate?: number;
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
  const agents: AgentClocks = new Map(opts.roster.map((a) => [a.agentId, { instance: a.instance, clock: a.clock }]));
  for (const [index, phase] of opts.workload.phases.entries()) {
    if (index < (opts.resume?.recorded ?? 0)) continue;
    if (opts.signal?.aborted) {
      result.status = 'aborted';
      break;
    }
    const adopt = opts.resume?.adopt?.phase.name === phase.name ? opts.resume.adopt : undefined;
    const { summary, record } = await runPhase(phase, { ...opts, intervalMs, leadMs, namespace, lostAfterMs: opts.lostAfterMs ?? 15_000, agents, ...(adopt ? { adopt } : {}) }, result);
    result.phases.push(summary);
    result.records.push(record);
    opts.onPhaseDone?.(summary, record);
  }
  if (opts.signal?.aborted) result.status = 'aborted';
  else if (result.records.some((r) => r.outcome === 'failed')) result.status = 'failed';
  return result;
}

type PhaseOpts = EngineOptions & { intervalMs: number; leadMs: number; namespace: string; lostAfterMs: number; agents: AgentClocks; adopt?: NonNullable<EngineResume['adopt']> };

/** What the engine knows of each agent process across phases: its instance and clock offset. */
type AgentClocks = Map<string, { instance: string; clock: ClockEstimate }>;

/** A restarted agent may rejoin a phase that runs for a duration (not a count) with this much left. */
const REJOIN_MIN_LEFT_INTERVALS = 2;

async function runPhase(phase: PhaseSpec, opts: PhaseOpts, result: EngineResult): Promise<{ summary: LivePhaseSummary; record: PhaseRecord }> {
  const { server, roster, logger, runId, adopt } = opts;
  // An agent away between phases is waited for (bounded), then the phase runs over those present.
  // A phase taken over by a resumed coordinator keeps the agents and the start it was given.
  const present = adopt ? Object.keys(adopt.phase.instances) : await agentsPresent(server, roster.map((a) => a.agentId), opts.lostAfterMs, opts.signal);
  const absent = adopt ? (adopt.phase.absent ?? []) : roster.map((a) => a.agentId).filter((id) => !present.includes(id));
  if (!adopt) for (const id of absent) result.warnings.push(`agent ${id} was not connected within ${(opts.lostAfterMs / 1000).toFixed(0)} s of phase ${phase.name}'s start; the phase ran without its share`);
  if (!adopt) await resyncRestarted(present, opts);
  const plans = planPhase(phase, Math.max(1, present.length), opts.namespace);
  const planOf = new Map<string, AgentPhasePlan>(present.map((id, i) => [id, plans[i] as AgentPhasePlan]));
  logger.info({ phase: phase.name, plans: Object.fromEntries(planOf), absent, adopted: Boolean(adopt) }, adopt ? 'phase taken over from the earlier coordinator' : 'phase planned');
  const prepareMsg = (id: string): PhasePrepare => ({ runId, endpoints: opts.endpoints, ...(opts.tls ? { tls: opts.tls } : {}), clockOffsetMs: opts.agents.get(id)?.clock.offsetMs ?? 0, intervalMs: opts.intervalMs, plan: planOf.get(id) as AgentPhasePlan });
  if (!adopt) await Promise.all(present.map(async (id) => expectOk(id, 'phase:prepare', await emitWithAck(server, id, 'phase:prepare', prepareMsg(id)))));

  const fromRevision = adopt ? adopt.phase.fromRevision : await opts.revision?.();
  const startAtMs = adopt ? adopt.phase.startAtMs : wallNowMs() + opts.leadMs;
  // The measured part starts after the warm-up (whole intervals); warm-up reports are in the raw logs only.
  const measuredAtMs = adopt ? adopt.phase.measuredAtMs : startAtMs + warmupIntervals(phase.warmupMs, opts.intervalMs) * opts.intervalMs;
  const { watch } = opts;
  const merger = new PhaseMerger({ phase: phase.name, agentIds: present, intervalMs: opts.intervalMs, startAtMs: measuredAtMs, ...(watch ? { onMerged: (r: IntervalReport, op: OpInterval, d: SparseHistogram) => watch.merged(phase.name, r, op, d) } : {}) });
  watch?.phaseStarted({ name: phase.name, measuredAtMs, intervalMs: opts.intervalMs, agents: present }, merger);
  // What the earlier coordinator received of it is already in the folder: merged, not written again.
  for (const r of adopt?.seed ?? []) merger.addInterval(r);
  const instanceOf = new Map(adopt ? Object.entries(adopt.phase.instances) : [...opts.agents].map(([id, a]) => [id, a.instance]));
  if (!adopt) opts.onPhaseStart?.({ name: phase.name, startAtMs, measuredAtMs, instances: Object.fromEntries(present.map((id) => [id, instanceOf.get(id) ?? ''])), ...(absent.length ? { absent } : {}), ...(fromRevision !== undefined ? { fromRevision } : {}) });
  const agents = new PhaseAgents({
    phase: phase.name,
    ids: present,
    server,
    logger,
    lostAfterMs: opts.lostAfterMs,
    instanceOf,
    warn: (m) => result.warnings.push(m),
    rejoin: async (agent) => {
      const id = agent.hello.agentId;
      const clock = await syncClock(agent.socket);
      opts.agents.set(id, { instance: agent.hello.instance, clock });
      const leftMs = phase.durationMs !== undefined ? measuredAtMs + phase.durationMs - wallNowMs() : 0;
      const can = phase.total === undefined && leftMs > REJOIN_MIN_LEFT_INTERVALS * opts.intervalMs;
      const what = `agent ${id} restarted during phase ${phase.name} (a new process, instance ${agent.hello.instance.slice(0, 8)})`;
      if (!can) return false;
      expectOk(id, 'phase:prepare', await emitWithAck(server, id, 'phase:prepare', prepareMsg(id)));
      expectOk(id, 'phase:start', await emitWithAck(server, id, 'phase:start', { runId, phase: phase.name, startAtMs, rejoin: true }));
      const warning = `${what} and rejoined it for the remaining ${(leftMs / 1000).toFixed(1)} s; what it measured before was kept up to its last checkpoint`;
      logger.warn({ agentId: id, phase: phase.name, leftMs }, warning);
      result.warnings.push(warning);
      return true;
    },
  });

  if (adopt) agents.takeOver();
  const gapsOf = new Map<string, NonNullable<PhaseDone['gaps']>>();
  const ackedOf = new Map<string, AckedPut[]>();
  server.setHandler({
    interval: (report): Ack => {
      if (report.runId !== runId) return { ok: false, code: ErrorCodes.payloadInvalid, message: `report for run ${report.runId}, not ${runId}` };
      if (report.phase !== phase.name) {
        logger.warn({ agentId: report.agentId, phase: report.phase, seq: report.seq }, 'interval report for another phase ignored');
        return { ok: true };
      }
      if (instanceOf.get(report.agentId) === report.instance) agents.heard(report.agentId);
      else agents.heardEarlier(report.agentId);
      if (merger.addInterval(report)) {
        opts.onInterval(report, merger.lastMaxima());
        if (adopt && report.intervalStartMs + report.intervalMs <= adopt.resumedAtMs) result.deliveredLate = (result.deliveredLate ?? 0) + 1;
      }
      return { ok: true };
    },
    done: (msg: PhaseDone): Ack => {
      if (msg.runId !== runId || msg.phase !== phase.name || !agents.pending.has(msg.agentId)) return { ok: true };
      const current = instanceOf.get(msg.agentId) === msg.instance;
      if (msg.gaps) gapsOf.set(msg.agentId, msg.gaps);
      if (msg.acked) ackedOf.set(msg.agentId, msg.acked);
      const mismatches = merger.addDone(msg);
      for (const m of mismatches) logger.error(m, 'HISTOGRAM MISMATCH: final histogram is not the sum of its intervals');
      result.mismatches.push(...mismatches);
      // An end report of an earlier instance (resent from its spool) is kept; whether it ends the agent's
      // share is for PhaseAgents to say once the restarted process's resend is in (finished, or rejoin).
      if (current) agents.markDone(msg.agentId, msg.endedBy);
      else agents.heardEarlier(msg.agentId, msg.endedBy);
      return { ok: true };
    },
    fault: (f) => {
      logger.error(f, 'agent fault');
      result.warnings.push(`agent ${f.agentId} reported ${f.code} in phase ${f.phase ?? '?'}: ${f.message}`);
      // A phase that failed on an agent sends no end-of-phase report: do not wait for one.
      if (f.phase === phase.name) agents.markDone(f.agentId, 'failed');
    },
  });

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    logger.warn({ phase: phase.name }, 'run interrupted: stopping the phase');
    for (const a of server.connected()) a.socket.emit('phase:stop', { runId, phase: phase.name, reason: 'interrupted' });
    agents.abort();
  };
  opts.signal?.addEventListener('abort', onAbort);
  const schedule = phase.rate !== undefined ? new RateSchedule(phase.rate, phase.rateStages ?? []) : undefined;
  const live = setInterval(() => {
    const offset = merger.live(wallNowMs()).interval?.offsetSec ?? 0;
    opts.onLive?.(merger, roster.filter((a) => server.get(a.agentId)).length, schedule?.rateAt(offset * 1000 + opts.intervalMs / 2));
  }, 1000);

  let toRevision: number | undefined;
  let faults: PhaseFaults | undefined;
  const fault: Pick<PhaseRecord, 'faults' | 'availability' | 'durability'> = {};
  try {
    if (!adopt) {
      await Promise.all(present.map(async (id) => expectOk(id, 'phase:start', await emitWithAck(server, id, 'phase:start', { runId, phase: phase.name, startAtMs }))));
      logger.info({ phase: phase.name, startAtMs, leadMs: opts.leadMs }, 'phase start sent');
      const windows = phase.faults?.length && opts.faultTarget ? faultWindows(phase.faults, phase.durationMs ?? 0) : [];
      if (windows.length) faults = startPhaseFaults(windows, measuredAtMs, opts.faultTarget as FaultTarget, logger, (m) => result.warnings.push(`phase ${phase.name}: ${m}`), opts.onFaultNote);
    }
    // Taken over: every agent gets the lost limit from now to be heard of again.
    agents.watch(adopt ? Math.max(startAtMs, adopt.resumedAtMs) : startAtMs, opts.intervalMs);
    await agents.done;
    // Every fault is undone before anything is read back (an interrupt ends them at once too).
    if (faults) fault.faults = await faults.finish();
    faults = undefined;
    if (phase.faults?.length) Object.assign(fault, await faultFigures(gapsOf, ackedOf, opts, aborted));
    toRevision = await opts.revision?.();
  } finally {
    await faults?.finish().catch((err: unknown) => logger.error({ err }, 'undoing the phase\'s faults failed'));
    clearInterval(live);
    opts.signal?.removeEventListener('abort', onAbort);
    agents.close();
    server.setHandler(undefined);
  }
  const summary = merger.summarize(new Map([...planOf].map(([id, p]) => [id, p.clients])));
  const record = phaseRecord({
    name: phase.name,
    startedAtMs: summary.startedAtMs,
    durationMs: summary.durationMs,
    interrupted: aborted,
    agents: summary.agents.map((a) => ({ agentId: a.agentId, clients: a.clients, startSkewMs: a.startSkewMs, elapsedMs: a.elapsedMs, endedBy: agents.ends.get(a.agentId) ?? 'lost' })),
    ...(absent.length ? { absent } : {}),
    ...(agents.restarts.length ? { restarts: agents.restarts } : {}),
    ...(fromRevision !== undefined && toRevision !== undefined ? { witness: { fromRevision, toRevision } } : {}),
    ...fault,
  });
  logger.info({ phase: phase.name, all: summary.all, durationMs: summary.durationMs, outcome: record.outcome, reasons: record.reasons, witness: record.witness }, 'phase merged');
  return { summary, record };
}

/** Availability from the agents' gaps, and the durability check of their acknowledged puts (skipped after an interrupt). */
async function faultFigures(gaps: Map<string, NonNullable<PhaseDone['gaps']>>, acked: Map<string, AckedPut[]>, opts: PhaseOpts, aborted: boolean): Promise<Pick<PhaseRecord, 'availability' | 'durability'>> {
  const availability = availabilityOf(gaps, GAP_MIN_MS);
  const all = [...acked.values()].flat();
  if (aborted || all.length === 0 || !opts.faultTarget) return { availability };
  const durability = await checkDurability(all, opts.endpoints, opts.faultTarget.tls);
  opts.logger.info({ durability }, 'durability check');
  return { availability, durability };
}

/** An agent whose process changed since its clock was measured (a restart between phases) is measured again. */
async function resyncRestarted(ids: readonly string[], opts: PhaseOpts): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const a = opts.server.get(id);
      const known = opts.agents.get(id);
      if (!a || known?.instance === a.hello.instance) return;
      const clock = await syncClock(a.socket);
      opts.logger.warn({ agentId: id, instance: a.hello.instance, ...clock }, 'agent restarted since the last phase: clock synchronized again');
      opts.agents.set(id, { instance: a.hello.instance, clock });
    }),
  );
}

async function emitWithAck<E extends 'phase:prepare' | 'phase:start'>(server: AgentServer, agentId: string, event: E, msg: E extends 'phase:prepare' ? PhasePrepare : PhaseStart): Promise<Ack> {
  const agent = server.get(agentId);
  if (!agent) throw new ProtocolError(ErrorCodes.agentLost, `agent ${agentId} is not connected (needed for ${event})`);
  return (await agent.socket.timeout(10_000).emitWithAck(event as 'phase:prepare', msg as PhasePrepare)) as Ack;
}

function expectOk(agentId: string, event: string, ack: Ack): void {
  if (!ack.ok) throw new ProtocolError(ack.code, `agent ${agentId} refused ${event}: ${ack.message}`);
}

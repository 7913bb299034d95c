import { type PhaseSummary, type RunSummary, SUMMARY_SCHEMA_VERSION } from '@etcdlab/common';
import type { RawRun } from '../raw/types.js';
import type { OpStats, ReportModel } from './types.js';

const latencySummary = ({ stddev: _s, ...l }: OpStats['latencyUs']) => l;
const opSummary = (s: OpStats) => ({
  count: s.count,
  errors: s.errors,
  errorsByCode: s.errorsByCode,
  throughputOpsPerSec: s.throughputOpsPerSec,
  latencyUs: latencySummary(s.latencyUs),
  ...(s.serviceUs ? { serviceUs: latencySummary(s.serviceUs) } : {}),
});

/**
 * The run's summary.json (schema version 2), derived from the raw data and the report model: the one
 * summary, written at the end of a run, rebuilt by `etcdlab report` and given to a merged folder. Every
 * figure, the verdict and the warnings are the report's own.
 */
export function toRunSummary(raw: RawRun, model: ReportModel): RunSummary {
  const phases: PhaseSummary[] = model.phases.map((p) => {
    const timing = raw.phases.find((x) => x.name === p.name);
    return {
      name: p.name,
      startedAtMs: p.startedAtMs,
      durationMs: p.durationMs,
      ops: Object.fromEntries(Object.entries(p.ops).map(([op, s]) => [op, opSummary(s)])) as PhaseSummary['ops'],
      all: opSummary(p.all),
      outcome: p.outcome,
      reasons: p.reasons,
      lateStarts: p.lateStarts,
      droppedStarts: p.droppedStarts,
      ...(p.events ? { events: { count: p.events.count, perSec: p.events.perSec, timed: p.events.timed, ...(p.events.latencyUs ? { latencyUs: latencySummary(p.events.latencyUs) } : {}) } } : {}),
      ...(p.openLoop ? { openLoop: p.openLoop } : {}),
      ...(p.witness ? { witness: p.witness } : {}),
      ...(p.faults ? { faults: p.faults } : {}),
      agents: p.agents.map((a) => ({
        agentId: a.agentId,
        clients: a.clients,
        count: a.count,
        errors: a.errors,
        startSkewMs: a.startSkewMs,
        elapsedMs: timing?.agents.find((t) => t.agentId === a.agentId)?.elapsedMs ?? 0,
        cpuCores: a.cpuCores,
        endedBy: a.endedBy,
      })),
      intervals: (p.timeline.all ?? [])
        .filter((t) => !t.warmup)
        .map((t) => ({ startMs: p.startedAtMs + t.offsetSec * 1000, offsetSec: t.offsetSec, count: t.count, errors: t.errors, opsPerSec: t.opsPerSec, latencyUs: { p50: t.p50Us, p99: t.p99Us, max: t.maxUs } })),
    };
  });
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    runId: raw.runId,
    runDir: raw.dir,
    workload: model.run.workload,
    cluster: model.run.cluster,
    agents: model.run.agents,
    startedAt: model.run.startedAt,
    finishedAt: model.run.finishedAt ?? model.run.startedAt,
    status: raw.status === 'unknown' ? 'completed' : raw.status,
    phases,
    integrity: model.integrity,
    verdict: model.verdict,
    warnings: model.warnings.map((w) => w.message),
    ...(raw.error ? { error: raw.error } : {}),
  };
}

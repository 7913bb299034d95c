import { type PhaseSummary, type RunSummary, SUMMARY_SCHEMA_VERSION } from '@etcdlab/common';
import type { RawRun } from '../raw/types.js';
import type { OpStats, ReportModel } from './types.js';

const opSummary = (s: OpStats) => {
  const { stddev: _s, ...latencyUs } = s.latencyUs;
  return { count: s.count, errors: s.errors, errorsByCode: s.errorsByCode, throughputOpsPerSec: s.throughputOpsPerSec, latencyUs };
};

/**
 * The run's summary.json layout (schema version 1) recomputed from the raw data: what `etcdlab report`
 * prints as its table (the same table a run prints) and what a merged folder gets as its summary.json.
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
      lateStarts: p.lateStarts,
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
    integrity: raw.integrity,
    warnings: model.warnings.map((w) => w.message),
  };
}

import type { RawRun } from '../raw/types.js';
import { evaluateRules } from '../rules/evaluate.js';
import { rulesFromWorkload } from '../rules/read.js';
import { etcdHealth, etcdWindow, groupByMember } from './etcd-health.js';
import { durabilityProblems } from './faults.js';
import { hostHealth } from './hosts.js';
import { buildPhase } from './phase.js';
import { REPORT_SCHEMA, REPORT_SCHEMA_VERSION, type ReportModel, type ReportPhase } from './types.js';
import { trustWarnings } from './warnings.js';
import { integrityWithWitness } from './witness.js';

/**
 * The whole report from a results folder's raw data (pure): phases from the interval histograms, etcd
 * health from the metrics series, host health, the verdict on the workload's rules and the reasons to
 * doubt the result. The same raw data always gives the same model.
 */
export function buildReport(raw: RawRun): ReportModel {
  const byMember = groupByMember(raw.metrics);
  const phases: ReportPhase[] = raw.phases.map((p) => {
    const built = buildPhase(raw, p, raw.intervals.filter((i) => i.phase === p.name));
    const etcd = [...byMember].map(([member, samples]) => etcdWindow(member, samples, p.startedAtMs, p.startedAtMs + p.durationMs));
    return { ...built, etcd };
  });
  const etcd = etcdHealth(raw.metrics, raw.baseTimeMs);
  const hosts = hostHealth(raw.hostSamples, raw.hostChecks, raw.baseTimeMs);
  const { rules, problems } = rulesFromWorkload(raw.workload.rules);
  return {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: {
      runId: raw.runId,
      ...(raw.label?.name ? { name: raw.label.name } : {}),
      ...(raw.label?.tags ? { tags: raw.label.tags } : {}),
      workload: { name: raw.workload.name, source: raw.workload.source, quick: raw.workload.quick },
      cluster: raw.cluster,
      agents: raw.agents.length,
      startedAt: new Date(raw.baseTimeMs).toISOString(),
      ...(raw.finishedAt ? { finishedAt: raw.finishedAt } : {}),
      status: raw.status,
      intervalMs: raw.intervalMs,
      ...(raw.mergedFrom ? { mergedFrom: raw.mergedFrom.map((m) => ({ runId: m.runId, mode: m.mode })) } : {}),
    },
    phases,
    verdict: evaluateRules(rules, phases, [...problems, ...durabilityProblems(phases)], { status: raw.status, quick: raw.workload.quick }),
    warnings: trustWarnings(raw, phases, etcd.run, hosts),
    integrity: integrityWithWitness(raw.integrity, phases),
    etcd,
    hosts,
  };
}

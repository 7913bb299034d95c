import { createHash } from 'node:crypto';
import { ErrorCodes, InputError } from '@etcdlab/common';
import type { MergeMode, RawPhase, RawRun } from './types.js';

/** A merged run's id: the same sources in the same mode always give the same id. */
export function mergedRunId(runIds: readonly string[], mode: MergeMode): string {
  return `merged-${createHash('sha256').update(`${mode}:${runIds.join(',')}`).digest('hex').slice(0, 12)}`;
}

/**
 * Merges several runs' raw data into one run (pure): every interval histogram is kept exactly as
 * recorded, under its agent renamed `<runId>.<agentId>`, so phase totals are the sums of the runs'.
 * Phases are matched by name. `parallel`: the runs drove the cluster at the same time, their phases are
 * laid over each other from the synchronized start (throughputs add up). `sequential`: repeats, laid end
 * to end (latencies pool, throughput is the total over the total time). etcd and host samples follow
 * each run's first phase.
 */
export function mergeRuns(runs: readonly RawRun[], mode: MergeMode, dir: string): RawRun {
  if (runs.length < 2) throw new InputError(ErrorCodes.optionInvalid, 'merging needs two results folders or more', [{ field: '--merge', message: `${runs.length} given`, fix: 'etcdlab report --merge results/<run-a> results/<run-b>' }]);
  const first = runs[0] as RawRun;
  const odd = runs.find((r) => r.intervalMs !== first.intervalMs);
  if (odd) throw new InputError(ErrorCodes.resultsInvalid, 'runs with different interval lengths cannot be merged', [{ file: odd.dir, field: 'manifest.json: intervalMs', message: `${odd.intervalMs} ms, not ${first.intervalMs} ms like ${first.dir}`, fix: 'merge runs made by the same etcdlab version' }]);
  const ids = runs.map((r) => r.runId);
  if (new Set(ids).size !== ids.length) throw new InputError(ErrorCodes.optionInvalid, 'the same run was given twice', [{ field: '--merge', message: ids.join(', '), fix: 'give each results folder once' }]);

  const names: string[] = [];
  for (const r of runs) for (const p of r.phases) if (!names.includes(p.name)) names.push(p.name);
  const phases: RawPhase[] = [];
  const apart: string[] = []; // parallel mode: phases whose runs did not overlap in time
  const shifts = new Map<string, number>(); // `${runId}|${phase}` -> ms to add
  const interval = first.intervalMs;
  for (const name of names) {
    const own = runs.map((r) => ({ r, p: r.phases.find((x) => x.name === name) })).filter((x): x is { r: RawRun; p: RawPhase } => x.p !== undefined);
    const start = (own[0] as { p: RawPhase }).p.startedAtMs;
    let offset = 0;
    let duration = 0;
    for (const { r, p } of own) {
      shifts.set(`${r.runId}|${name}`, start + offset - p.startedAtMs);
      if (mode === 'sequential') {
        // Whole intervals keep every run's intervals on one grid.
        offset += Math.ceil(p.durationMs / interval) * interval;
        duration += p.durationMs;
      } else duration = Math.max(duration, p.durationMs);
    }
    const firstOwn = own[0] as { p: RawPhase };
    if (mode === 'parallel' && own.some(({ p }) => Math.abs(p.startedAtMs - start) > Math.max(interval, firstOwn.p.durationMs))) apart.push(name);
    phases.push({ name, startedAtMs: start, durationMs: duration, agents: own.flatMap(({ r, p }) => p.agents.map((a) => ({ ...a, agentId: `${r.runId}.${a.agentId}` }))) });
  }
  // Samples follow their run's first phase.
  const runShift = (r: RawRun) => (r.phases[0] ? (shifts.get(`${r.runId}|${r.phases[0].name}`) ?? 0) : 0);

  const statuses = runs.map((r) => r.status);
  const members = [...new Set(runs.map((r) => r.cluster.members))];
  const order = new Map(names.map((n, i) => [n, i]));
  const intervals = runs
    .flatMap((r) => r.intervals.map((i) => ({ ...i, agentId: `${r.runId}.${i.agentId}`, startMs: i.startMs + (shifts.get(`${r.runId}|${i.phase}`) ?? 0) })))
    .sort((a, b) => (order.get(a.phase) ?? 0) - (order.get(b.phase) ?? 0) || a.startMs - b.startMs || a.agentId.localeCompare(b.agentId) || a.seq - b.seq);
  return {
    dir,
    runId: mergedRunId(ids, mode),
    baseTimeMs: Math.min(...runs.map((r) => r.baseTimeMs + runShift(r))),
    ...(runs.every((r) => r.finishedAt) ? { finishedAt: runs.map((r) => r.finishedAt as string).sort().at(-1) as string } : {}),
    status: statuses.includes('failed') ? 'failed' : statuses.includes('aborted') ? 'aborted' : statuses.includes('unknown') ? 'unknown' : 'completed',
    intervalMs: interval,
    cluster: { ...first.cluster, endpoints: [...new Set(runs.flatMap((r) => r.cluster.endpoints))] },
    workload: first.workload,
    agents: runs.flatMap((r) => r.agents.map((a) => ({ ...a, agentId: `${r.runId}.${a.agentId}` }))),
    phases,
    intervals,
    integrity: { ok: runs.every((r) => r.integrity.ok), mismatches: runs.flatMap((r) => r.integrity.mismatches.map((m) => ({ ...m, agentId: `${r.runId}.${m.agentId}` }))) },
    runWarnings: [
      ...(members.length > 1 ? [`results folder: merged runs had clusters of ${members.join(' and ')} members`] : []),
      ...(apart.length > 0 ? [`results folder: merged as parallel, but the runs did not run at the same time (${apart.join(', ')}): their throughputs are added as if they had; --mode sequential treats them as repeats`] : []),
      ...(new Set(runs.map((r) => `${r.workload.name}${r.workload.quick ? ' (--quick)' : ''}`)).size > 1 ? [`results folder: merged runs used different workloads (${[...new Set(runs.map((r) => `${r.workload.name}${r.workload.quick ? ' --quick' : ''}`))].join(', ')})`] : []),
      ...runs.flatMap((r) => r.runWarnings.map((w) => `[${r.runId}] ${w}`)),
    ],
    metrics: runs.flatMap((r) => r.metrics.map((s) => ({ ...s, t: s.t + runShift(r), member: `${r.runId}.${s.member}` }))),
    hostSamples: runs.flatMap((r) => r.hostSamples.map((s) => ({ ...s, t: s.t + runShift(r), host: `${r.runId}.${s.host}` }))),
    hostChecks: runs.flatMap((r) => r.hostChecks.map((c) => ({ ...c, host: `${r.runId}.${c.host}` }))),
    mergedFrom: runs.map((r) => ({ runId: r.runId, dir: r.dir, mode })),
    manifest: {},
  };
}

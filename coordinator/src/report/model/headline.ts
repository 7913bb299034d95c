/**
 * The one sentence at the top of a report (HTML and Markdown): what ran, its key figures, and the
 * verdict when the workload has rules. Read from the model's figures, so it can never disagree with the
 * tables below it. Pure.
 */
import { int, ms, rate } from '../../output/format.js';
import type { ReportModel } from './types.js';

export interface Headline {
  /** PASS, FAIL, or NONE when the workload has no rules. */
  status: ReportModel['verdict']['status'];
  /** The verdict in words, its reason as the run prints it: `PASS: all 2 rule result(s) passed`, `INCOMPLETE: the run was interrupted; ...`. */
  verdict: string;
  /** Key figures: the busiest phase's throughput, the worst p99, the errors. */
  figures: string;
}

export function headlineOf(model: ReportModel): Headline {
  const v = model.verdict;
  // The verdict's own words, as the run's last line prints them (an interrupted run says why, not "0 of 0").
  const verdict = v.status === 'NONE' ? 'No verdict (the workload has no rules): figures only' : `${v.status.replaceAll('_', ' ')}: ${v.reason}`;
  const phases = model.phases.filter((p) => p.all.count + p.all.errors > 0);
  const who = `${model.run.workload.name} on ${model.run.cluster.members} member(s)`;
  if (phases.length === 0) return { status: v.status, verdict, figures: `${who}: no operation was measured` };
  const busiest = phases.reduce((a, b) => (b.all.throughputOpsPerSec > a.all.throughputOpsPerSec ? b : a));
  const worst = phases.flatMap((p) => Object.entries(p.ops).filter(([, s]) => s.count > 0).map(([op, s]) => ({ p: p.name, op, p99: s.latencyUs.p99 }))).reduce<{ p: string; op: string; p99: number } | undefined>((a, b) => (!a || b.p99 > a.p99 ? b : a), undefined);
  const errors = phases.reduce((a, p) => a + p.all.errors, 0);
  const requests = phases.reduce((a, p) => a + p.all.count + p.all.errors, 0);
  const parts = [`${rate(busiest.all.throughputOpsPerSec)} ops/s in ${busiest.name}${phases.length > 1 ? ' (the busiest phase)' : ''}`];
  if (worst) parts.push(`worst p99 ${ms(worst.p99)} ms (${worst.p} ${worst.op})`);
  parts.push(errors ? `${int(errors)} failed of ${int(requests)} requests` : `no failed request of ${int(requests)}`);
  // With faults, what clients felt is the figure people ask for first: the longest stretch without a write.
  const gaps = phases.flatMap((p) => (p.faults?.availability?.write ? [{ p: p.name, ms: p.faults.availability.write.longestMs }] : []));
  const longest = gaps.reduce<{ p: string; ms: number } | undefined>((a, b) => (!a || b.ms > a.ms ? b : a), undefined);
  if (longest) parts.push(`longest stretch without a successful write ${(longest.ms / 1000).toFixed(2)} s (${longest.p}, under faults)`);
  return { status: v.status, verdict, figures: `${who}: ${parts.join(', ')}` };
}

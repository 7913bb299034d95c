import { isObservation, type RunSummary } from '@etcdlab/common';
import Table from 'cli-table3';
import { int, ms, rate } from './format.js';

/** The per-phase, per-op table printed at the end of a run (latencies in ms). */
export function renderSummaryTable(summary: RunSummary, opts: { color?: boolean } = {}): string {
  const style = opts.color ? {} : { head: [], border: [] };
  const table = new Table({
    head: ['phase', 'op', 'count', 'errors', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style,
  });
  const row = (phase: string, op: string, s: NonNullable<RunSummary['phases'][number]['ops'][string]>, l = s.latencyUs) => [phase, op, int(s.count), int(s.errors), rate(s.throughputOpsPerSec), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max)];
  for (const phase of summary.phases) {
    // A phase that did not complete is named so on every row: its figures are partial.
    const name = phase.outcome === 'completed' ? phase.name : `${phase.name} (${phase.outcome.toUpperCase()})`;
    const ops = Object.entries(phase.ops).filter(([op]) => !isObservation(op));
    for (const [op, s] of ops) {
      if (!s) continue;
      table.push(row(name, op, s));
      // Open loop: the service time (from the send) beside the latency from the intended start.
      if (s.serviceUs) table.push(row(name, `${op} (service)`, s, s.serviceUs));
    }
    if (ops.length > 1) table.push(row(name, 'all', phase.all));
    if (ops.length === 0) table.push([name, '-', '0', '0', '0', '-', '-', '-', '-', '-']);
  }
  const lines = [table.toString()];
  for (const phase of summary.phases) {
    const errs = Object.entries(phase.all.errorsByCode);
    if (errs.length) lines.push(`${phase.name}: errors by code: ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
    if (phase.events) lines.push(`${phase.name}: ${int(phase.events.count)} watch events (${rate(phase.events.perSec)}/s)${phase.events.latencyUs ? `, put to event p50 ${ms(phase.events.latencyUs.p50)} ms, p99 ${ms(phase.events.latencyUs.p99)} ms` : ''}; not counted as operations`);
    const o = phase.openLoop;
    if (o) lines.push(`${phase.name}: open loop asked ${rate(o.requestedOpsPerSec)}/s, reached ${rate(o.achievedOpsPerSec)}/s, ${int(o.lateStarts)} late and ${int(o.droppedStarts)} dropped starts${o.problems.length ? ` — ${o.problems.join('; ')}` : ''}`);
    if (phase.outcome !== 'completed') lines.push(`${phase.name}: ${phase.outcome}: ${phase.reasons.join('; ')}`);
  }
  return lines.join('\n');
}

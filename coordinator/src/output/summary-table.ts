import type { RunSummary } from '@etcdlab/common';
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
  for (const phase of summary.phases) {
    const ops = Object.entries(phase.ops);
    for (const [op, s] of ops) {
      if (!s) continue;
      const l = s.latencyUs;
      table.push([phase.name, op, int(s.count), int(s.errors), rate(s.throughputOpsPerSec), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max)]);
    }
    if (ops.length === 0) table.push([phase.name, '-', '0', '0', '0', '-', '-', '-', '-', '-']);
  }
  const lines = [table.toString()];
  for (const phase of summary.phases) {
    const errs = Object.entries(phase.all.errorsByCode);
    if (errs.length) lines.push(`${phase.name}: errors by code: ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  return lines.join('\n');
}

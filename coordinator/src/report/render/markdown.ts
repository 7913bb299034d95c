import { int, ms, rate } from '../../output/format.js';
import { headlineOf } from '../model/headline.js';
import type { ReportModel } from '../model/types.js';
import { allFlags, ETCD_HEAD, etcdRows, KEY_HEAD, KEY_NUMERIC, keyTableRows } from './key-table.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const sep = head.map((_h, i) => (numeric[i] ? '---:' : '---'));
  return [head, sep, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n');
}

/** A Markdown summary for pasting into a ticket: verdict, warnings, the key table, etcd flags. */
export function renderMarkdown(model: ReportModel): string {
  const r = model.run;
  const out: string[] = [];
  out.push(`## etcdlab ${r.name ? `${r.name} (${r.runId})` : r.runId}: ${model.verdict.status === 'NONE' ? 'no verdict (no rules)' : model.verdict.status}`);
  if (r.tags) out.push('', `tags: ${Object.entries(r.tags).map(([k, v]) => `\`${k}=${v}\``).join(' ')}`);
  out.push('');
  out.push(`Workload **${r.workload.name}**${r.workload.quick ? ' (--quick)' : ''}; ${r.cluster.members}-member ${r.cluster.provider} cluster, etcd ${r.cluster.etcdVersion ?? '?'}; ${r.agents} agent(s); started ${r.startedAt}; status ${r.status}.`);
  if (r.mergedFrom) out.push(`Merged (${r.mergedFrom[0]?.mode ?? ''}) from ${r.mergedFrom.map((m) => `\`${m.runId}\``).join(', ')}.`);
  const h = headlineOf(model);
  out.push('', `**${h.figures}.** ${h.verdict}.`, '');
  if (model.verdict.results.length) {
    out.push(mdTable(['rule', 'phase', 'op', 'expected', 'actual', 'result'], model.verdict.results.map((x) => [x.rule, x.phase, x.op, x.expected, x.actual, x.status === 'pass' ? 'PASS' : `**${x.status.toUpperCase()}**`])));
    out.push('');
  }
  for (const p of model.verdict.problems) out.push(`- rule not read (counts as failed): ${p}`);
  if (model.warnings.length) {
    out.push('**Do not trust these results as they stand:**');
    out.push('');
    for (const w of model.warnings) out.push(`- ${w.message}`);
  } else out.push('No reason found to doubt these results (agents not CPU-bound or lost, clock skew within bounds, no host steal or noisy neighbour, integrity check passed).');
  out.push('');
  out.push(mdTable(KEY_HEAD, keyTableRows(model), KEY_NUMERIC));
  out.push('');
  for (const p of model.phases) if (p.witness) out.push(`Witness, ${p.name}: ${p.witness.statement}.`);
  if (model.phases.some((p) => p.witness)) out.push('');
  for (const p of model.phases) {
    if (!p.faults) continue;
    out.push(`Faults, ${p.name}:`, ...p.faults.windows.map((w) => `- ${w.statement}`), ...(p.faults.durabilityStatement ? [`- durability: ${p.faults.durabilityStatement}`] : []), '');
  }
  const errors = model.phases.flatMap((p) => Object.entries(p.all.errorsByCode).map(([c, n]) => `${p.name} ${c} ${int(n)}`));
  if (errors.length) out.push(`Errors by gRPC code: ${errors.join(', ')}.`, '');
  if (model.etcd.run.length) {
    out.push('### etcd server health');
    out.push('');
    const flags = allFlags(model);
    if (flags.length) for (const f of flags) out.push(`- ${f.level === 'bad' ? '**FLAG**' : 'note'}: ${f.message}`);
    else out.push(`etcd stayed within every threshold (WAL fsync p99 <= ${model.etcd.thresholds.fsyncP99Ms} ms, backend commit p99 <= ${model.etcd.thresholds.commitP99Ms} ms, no leader change).`);
    out.push('');
    out.push(mdTable(ETCD_HEAD, etcdRows(model).map((x) => x.cells.map((c, i) => (x.bad.has(i) ? `**${c}**` : c))), [false, false, true, true, true, true, true, true, true, true, false]));
    out.push('');
  }
  const best = [...model.phases].sort((a, b) => b.all.throughputOpsPerSec - a.all.throughputOpsPerSec)[0];
  if (best) out.push(`Highest throughput: ${best.name}, ${rate(best.all.throughputOpsPerSec)} ops/s at p99 ${ms(best.all.latencyUs.p99)} ms.`, '');
  out.push('Full report: `report/index.html` in the run folder (rebuild with `etcdlab report <run folder>`).');
  return out.join('\n') + '\n';
}

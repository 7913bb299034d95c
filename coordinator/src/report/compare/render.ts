import { ms, rate } from '../../output/format.js';
import { TOOL_VERSION } from '../../version.js';
import { type Cell, esc, figure, STYLE, table } from '../render/html-parts.js';
import { axisName, type CompareModel, type CompareRow, ROLE_LABEL, ROLES } from './model.js';
import { hasRepeats, type Spread } from './points.js';

/** The comparison table: the first seed's four tests, each one's throughput and p99 from its own phase. */
export function compareTable(c: CompareModel): { head: string[]; rows: string[][]; numeric: boolean[] } {
  const o = (v: number | undefined, f: (x: number) => string) => (v === undefined ? '-' : f(v));
  // A client sweep varies one phase: its own figures; otherwise the suite's four tests.
  const clients = c.axis === 'clients';
  const head = clients
    ? ['clients', 'run', 'phase', 'ops/s', 'p50 ms', 'p99 ms', 'verdict', 'warnings/flags']
    : [xHead(c), 'run', 'seq write ops/s', 'p99 ms', 'seq read ops/s', 'p99 ms', 'conc write ops/s', 'p99 ms', 'mixed ops/s', 'p99 ms', 'verdict', 'warnings/flags'];
  const rows = c.rows.map((r: CompareRow) =>
    clients
      ? [String(r.x), r.name ? `${r.name} (${r.runId})` : r.runId, r.main.phase, rate(r.main.opsPerSec), ms(r.main.p50Us), ms(r.main.p99Us), r.verdict, String(r.warnings + r.etcdFlags)]
      
      : // Each test's p99 sits beside its own throughput: both come from the same phase.
        [String(r.x), r.name ? `${r.name} (${r.runId})` : r.runId, ...ROLES.flatMap((role) => [o(r.roles[role]?.opsPerSec, rate), o(r.roles[role]?.p99Us, ms)]), r.verdict, String(r.warnings + r.etcdFlags)],
  );
  return { head, rows, numeric: head.map((h, i) => i === 0 || /ops\/s|ms$|warnings/.test(h)) };
}

/** A spread as one cell: the mean, ± the 95% CI's half-width, and the range of the runs. */
export function spreadCell(s: Spread | undefined, f: (x: number) => string): string {
  if (!s) return '-';
  if (!s.ci95) return f(s.mean);
  return `${f(s.mean)} ± ${f((s.ci95[1] - s.ci95[0]) / 2)} (${f(s.min)}–${f(s.max)})`;
}

/** With repeats: one row per point, each figure as mean ± 95% CI (min–max of its runs). */
export function repeatsTable(c: CompareModel): { head: string[]; rows: string[][]; numeric: boolean[] } | undefined {
  if (!hasRepeats(c.points)) return undefined;
  const clients = c.axis === 'clients';
  const head = clients
    ? ['clients', 'runs', 'phase', 'ops/s', 'p50 ms', 'p99 ms']
    : [xHead(c), 'runs', ...ROLES.flatMap((r) => [`${SHORT[r]} ops/s`, 'p99 ms'])];
  const rows = c.points.map((p) =>
    clients
      ? [String(p.x), String(p.runIds.length), p.main.phase, spreadCell(p.main.opsPerSec, rate), spreadCell(p.main.p50Us, ms), spreadCell(p.main.p99Us, ms)]
      : [String(p.x), String(p.runIds.length), ...ROLES.flatMap((r) => [spreadCell(p.roles[r]?.opsPerSec, rate), spreadCell(p.roles[r]?.p99Us, ms)])],
  );
  return { head, rows, numeric: head.map((h, i) => i !== 2 || !clients) };
}

const SHORT: Record<(typeof ROLES)[number], string> = { sequentialWrite: 'seq write', sequentialRead: 'seq read', concurrentWrite: 'conc write', mixed: 'mixed' };

/** The first column: the axis, or without one the number of the runs' configuration. */
const xHead = (c: CompareModel): string => (c.axis === 'members' ? 'members' : c.axis === 'clients' ? 'clients' : 'config #');

/** Without an axis: what each configuration number stands for. */
function configurations(c: CompareModel): string[] {
  return c.points.map((p) => {
    const r = c.rows.find((x) => x.x === p.x);
    return r ? `configuration ${p.x}: ${r.members} member(s), ${r.clients ?? '?'} client(s) in ${r.main.phase}, workload ${r.workload}: ${p.runIds.length} run(s)` : `configuration ${p.x}`;
  });
}

/** Findings in words: scaling smallest to largest, the USL fits, the knee. */
export function insights(c: CompareModel): string[] {
  const unit = c.axis === 'members' ? 'members' : 'clients';
  const out: string[] = [...c.warnings.map((w) => `warning: ${w}`)];
  for (const s of c.scaling) {
    const cost = c.axis === 'members' && s.ratio < 1 ? `: replication costs ${((1 - s.ratio) * 100).toFixed(0)}% of it` : '';
    out.push(`${ROLE_LABEL[s.role]}: ${rate(s.fromOpsPerSec)} ops/s with ${s.fromX} ${unit} -> ${rate(s.toOpsPerSec)} ops/s with ${s.toX} (${s.ratio.toFixed(2)}x${cost})`);
  }
  const first = c.points[0];
  const last = c.points[c.points.length - 1];
  if (c.axis === 'run') out.push(...configurations(c));
  const at = (x: number) => (c.axis === 'run' ? `of configuration ${x}` : `at ${x}`);
  const means = c.axis === 'run' ? "the table gives each point's mean, 95% confidence interval and range" : "figures below are means, the table gives each point's 95% confidence interval and range";
  if (hasRepeats(c.points)) out.push(`repeats: ${c.points.map((p) => `${p.runIds.length} run(s) ${at(p.x)}`).join(', ')}; ${means}`);
  if (first && last && first !== last && c.axis === 'clients') out.push(`${first.main.phase}: ${rate(first.main.opsPerSec.mean)} ops/s at p99 ${ms(first.main.p99Us.mean)} ms with ${first.x} clients -> ${rate(last.main.opsPerSec.mean)} ops/s at p99 ${ms(last.main.p99Us.mean)} ms with ${last.x}`);
  else if (first && last && first !== last && c.axis === 'members') {
    for (const role of ROLES) {
      const a = first.roles[role];
      const b = last.roles[role];
      if (a && b) out.push(`${ROLE_LABEL[role]} p99: ${ms(a.p99Us.mean)} ms -> ${ms(b.p99Us.mean)} ms (phase ${a.phase === b.phase ? a.phase : `${a.phase} / ${b.phase}`}, the same as its throughput)`);
    }
  }
  if (c.axis === 'members') out.push('no USL fit across cluster sizes: a member adds replication work, not capacity, so the law does not model it; the ratios above are the cost of each size');
  for (const u of c.usl) {
    const label = u.role === 'main' ? 'all ops' : ROLE_LABEL[u.role];
    if (!u.fit) out.push(`USL fit (${label}): ${u.note}`);
    else {
      const f = u.fit;
      const peak = f.peakN !== undefined ? `; throughput peaks near ${f.peakN.toFixed(1)} ${unit} at ${rate(f.peakX ?? 0)} ops/s` : '; no retrograde region (kappa = 0)';
      out.push(`USL fit (${label}, ${u.note}): sigma ${f.sigma.toFixed(4)}, kappa ${f.kappa.toExponential(2)}, lambda ${rate(f.lambda)} ops/s, R² ${f.r2.toFixed(3)}${peak}; ${(u.limits ?? []).join('; ')}`);
    }
  }
  if (c.knee) {
    const b = c.knee.best;
    out.push(`best throughput: ${rate(b.opsPerSec)} ops/s with ${b.clients} clients, p50 ${ms(b.p50Us)} ms, p99 ${ms(b.p99Us)} ms`);
    out.push(c.knee.knee ? `throughput knee: ${c.knee.knee.clients} clients (${rate(c.knee.knee.opsPerSec)} ops/s, p99 ${ms(c.knee.knee.p99Us)} ms): past it, more clients mostly add latency` : `throughput knee: none found: ${c.knee.why ?? ''}`);
  }
  return out;
}

export function renderCompareMarkdown(c: CompareModel): string {
  const t = compareTable(c);
  const sep = t.head.map((_h, i) => (t.numeric[i] ? '---:' : '---'));
  const lines = [`## etcdlab comparison: ${c.rows.length} runs by ${axisName(c)}`, '', ...[t.head, sep, ...t.rows].map((r) => `| ${r.join(' | ')} |`), ''];
  const rep = repeatsTable(c);
  if (rep) lines.push('Repeats: mean ± 95% confidence interval (min–max of the runs)', '', ...[rep.head, rep.head.map((_h, i) => (rep.numeric[i] ? '---:' : '---')), ...rep.rows].map((r) => `| ${r.join(' | ')} |`), '');
  for (const i of insights(c)) lines.push(`- ${i}`);
  lines.push('', 'Charts: `compare.html`, `compare.png`.');
  return lines.join('\n') + '\n';
}

export function renderCompareHtml(c: CompareModel, chartSvg: string): string {
  const t = compareTable(c);
  const rep = repeatsTable(c);
  const rows = t.rows.map((r) => r.map((v, i) => (t.head[i] === 'verdict' && v === 'FAIL' ? ({ text: v, cls: 'bad' } as Cell) : v)));
  const roles = ROLES.filter((role) => c.rows.some((r) => r.roles[role]));
  const phases = roles.map((role) => `${ROLE_LABEL[role]}: phase ${[...new Set(c.rows.map((r) => r.roles[role]?.phase).filter(Boolean))].join(', ')}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>etcdlab comparison</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>etcdlab comparison: ${esc(c.rows.length)} runs by ${esc(axisName(c))}</h1>
<p class="meta">${phases.map(esc).join('<br>')}</p></header>
<section id="compare-table">${table(t.head, rows, { numeric: t.numeric, id: 'compare' })}</section>
${rep ? `<section id="repeats"><h2>Repeats</h2><p class="meta">Each point: mean ± 95% confidence interval of the mean (Student's t), then the range of its runs.</p>${table(rep.head, rep.rows, { numeric: rep.numeric, id: 'repeats-table' })}</section>` : ''}
<section id="insights"><h2>What changed</h2><ul>${insights(c).map((i) => `<li>${esc(i)}</li>`).join('')}</ul></section>
<section id="charts"><h2>Charts</h2>${figure('comparison', chartSvg)}</section>
<section id="runs"><h2>Runs</h2><ul>${c.rows.map((r) => `<li><code>${esc(r.dir)}</code>: report in <code>report/index.html</code></li>`).join('')}</ul></section>
<footer>etcdlab ${esc(TOOL_VERSION)}; rebuilt from the results folders with <code>etcdlab compare</code>.</footer>
</body>
</html>
`;
}

import { int, ms, rate } from '../../output/format.js';
import { TOOL_VERSION } from '../../version.js';
import { agentsChart, errorsChart, hasTimeCharts, latencyTimelineChart, percentileChart, throughputChart } from '../charts/phase-charts.js';
import { commitChart, fsyncChart, hostChart, peerRttChart, raftChart, resourcesChart } from '../charts/health-charts.js';
import { dataPoints } from '../charts/common.js';
import { type ChartOption, renderChartSvg } from '../charts/ssr.js';
import { headlineOf } from '../model/headline.js';
import type { ReportModel, ReportPhase } from '../model/types.js';
import { TRUST_BOUNDS } from '../model/warnings.js';
import { type Cell, esc, figure, list, slug, STYLE, table } from './html-parts.js';
import { allFlags, ETCD_HEAD, etcdRows, KEY_HEAD, KEY_NUMERIC, keyTableRows } from './key-table.js';

export interface HtmlOptions {
  /** Called before each chart group, for progress on long reports. */
  onProgress?: (message: string) => void;
  chartWidth?: number;
}

/**
 * The self-contained HTML report: inline CSS, charts as inline SVG rendered here with echarts' server-side
 * renderer, no script, font or image from anywhere else. Contains nothing that depends on when it was
 * rendered, so the same folder always gives the same bytes.
 */
export function renderHtml(model: ReportModel, opts: HtmlOptions = {}): string {
  const width = opts.chartWidth ?? 960;
  let n = 0;
  const chart = (name: string, option: ChartOption | undefined, height = 300): string => (option ? figure(name, renderChartSvg(option, { width, height }, `c${n++}-${slug(name)}`), dataPoints(option)) : '');
  const r = model.run;
  const parts: string[] = [];
  parts.push(`<header><h1>etcdlab report: ${esc(r.name ?? r.runId)}</h1><p class="meta">`);
  parts.push(
    [
      ...(r.name || r.tags ? [`run <code>${esc(r.runId)}</code>${r.tags ? `; tags ${Object.entries(r.tags).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(' ')}` : ''}`] : []),
      `workload <b>${esc(r.workload.name)}</b>${r.workload.quick ? ' (--quick)' : ''} from <code>${esc(r.workload.source)}</code>`,
      `cluster: ${esc(r.cluster.members)} member(s), ${esc(r.cluster.provider)} provider, etcd ${esc(r.cluster.etcdVersion ?? '?')}`,
      `${esc(r.agents)} agent(s); started ${esc(r.startedAt)}${r.finishedAt ? `, finished ${esc(r.finishedAt)}` : ''}; status <b>${esc(r.status)}</b>`,
      ...(r.mergedFrom ? [`merged from ${r.mergedFrom.map((m) => `<code>${esc(m.runId)}</code>`).join(', ')} (${esc(r.mergedFrom[0]?.mode ?? '')})`] : []),
    ].join('<br>'),
  );
  parts.push('</p></header>');

  parts.push(verdictSection(model));
  parts.push('<section id="summary"><h2>Results</h2>');
  parts.push(table(KEY_HEAD, keyTableRows(model), { numeric: KEY_NUMERIC, id: 'key-table' }));
  parts.push('<p class="meta">Latencies are read from the merged HDR histograms of every agent (never averaged); throughput is successful operations over the phase\'s wall time.</p></section>');

  opts.onProgress?.('etcd server metrics');
  parts.push(etcdSection(model, chart));
  opts.onProgress?.('host health');
  parts.push(hostsSection(model, chart));
  for (const p of model.phases) {
    opts.onProgress?.(`phase ${p.name}`);
    parts.push(phaseSection(p, model.run.intervalMs / 1000, chart));
  }
  parts.push(`<footer>etcdlab ${esc(TOOL_VERSION)}; rebuilt from the results folder with <code>etcdlab report ${esc(r.runId)}</code>. Raw data: <code>agents/*.hlog</code> (HdrHistogram log v1.3), <code>agents/*.intervals.jsonl</code>, <code>metrics/*.jsonl</code>.</footer>`);
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>etcdlab report ${esc(r.runId)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${parts.join('\n')}\n</body>\n</html>\n`;
}

function verdictSection(model: ReportModel): string {
  const v = model.verdict;
  const h = headlineOf(model);
  const out = [`<section id="verdict" class="verdict ${v.status}"><div class="status">${esc(v.status === 'NONE' ? 'No verdict' : v.status)}</div><p class="headline">${esc(h.figures)}</p><p class="meta">${esc(h.verdict)}</p>`];
  if (v.results.length)
    out.push(
      table(
        ['rule', 'phase', 'op', 'expected', 'actual', 'result'],
        v.results.map((x) => [x.rule, x.phase, x.op, x.expected, x.actual, { text: x.status.toUpperCase(), cls: x.status === 'pass' ? 'ok' : 'bad' } as Cell]),
      ),
    );
  if (v.problems.length) out.push(`<p>Rules that could not be read (they count as failed):</p>${list(v.problems, 'flags')}`);
  if (model.warnings.length) out.push(`<p><b>Do not trust these results as they stand:</b></p>${list(model.warnings.map((w) => w.message), 'warnings')}`);
  else out.push('<p class="good">No reason found to doubt these results: no CPU-bound or lost agent, clock skew within bounds, no host with steal or a noisy neighbour, integrity check passed.</p>');
  out.push('</section>');
  return out.join('\n');
}

type ChartFn = (name: string, option: ChartOption | undefined, height?: number) => string;

function etcdSection(model: ReportModel, chart: ChartFn): string {
  const out = ['<section id="etcd"><h2>etcd server health</h2>'];
  if (model.etcd.run.length === 0) {
    out.push('<p class="meta">No etcd metrics were scraped in this run.</p></section>');
    return out.join('\n');
  }
  const t = model.etcd.thresholds;
  out.push(`<p class="meta">From each member's <code>/metrics</code>, scraped every second on the run's clock. Flagged: WAL fsync p99 above ${t.fsyncP99Ms} ms, backend commit p99 above ${t.commitP99Ms} ms, any leader change, no leader, failed proposals. p99s are estimated from Prometheus bucket deltas.</p>`);
  const flags = allFlags(model).filter((f) => !f.message.startsWith('host:'));
  out.push(flags.length ? `<ul class="flags">${flags.map((f) => `<li class="${f.level}">${esc(f.message)}</li>`).join('')}</ul>` : '<p class="good">etcd stayed within every threshold.</p>');
  const rows = etcdRows(model).map((r) => r.cells.map((c, i) => (r.bad.has(i) ? { text: c, cls: 'bad' } : c) as string | Cell));
  out.push(table(ETCD_HEAD, rows, { numeric: [false, false, true, true, true, true, true, true, true, true, false], id: 'etcd-table' }));
  out.push(chart('etcd-fsync', fsyncChart(model)), chart('etcd-commit', commitChart(model)), chart('etcd-raft', raftChart(model)), chart('etcd-resources', resourcesChart(model)), chart('etcd-peer-rtt', peerRttChart(model)));
  out.push('</section>');
  return out.join('\n');
}

function hostsSection(model: ReportModel, chart: ChartFn): string {
  const out = ['<section id="hosts"><h2>Host health</h2>'];
  if (model.hosts.length === 0) {
    out.push('<p class="meta">No host samples or host checks in this run (the local provider does not take them): steal and noisy neighbours could not be checked.</p></section>');
    return out.join('\n');
  }
  const f1 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
  out.push(
    table(
      ['host', 'source', 'samples', 'CPU % mean', 'CPU % max', 'steal % mean', 'steal % max', 'load max', 'busiest foreign process', 'flags'],
      model.hosts.map((h) => [
        h.host,
        h.source,
        String(h.samples),
        f1(h.cpuPctMean),
        f1(h.cpuPctMax),
        { text: f1(h.stealPctMean), cls: h.flags.some((f) => f.metric === 'steal') ? 'bad' : '' },
        f1(h.stealPctMax),
        f1(h.load1Max),
        { text: h.busiestForeign ? `${h.busiestForeign.name} (${h.busiestForeign.cpuPct.toFixed(0)}%)` : '-', cls: h.flags.some((f) => f.metric === 'noisy neighbour') ? 'bad' : '' },
        { text: h.flags.map((f) => f.message).join('; ') || 'ok', cls: h.flags.some((f) => f.level === 'bad') ? 'bad' : h.flags.length ? 'warn' : 'ok' },
      ]),
      { numeric: [false, false, true, true, true, true, true, true, false, false], id: 'hosts-table' },
    ),
  );
  for (const h of model.hosts) if (h.timeline.length) out.push(chart(`host-${h.host}`, hostChart(model, h), 260));
  out.push('</section>');
  return out.join('\n');
}

function phaseSection(p: ReportPhase, intervalSec: number, chart: ChartFn): string {
  const id = `phase-${slug(p.name)}`;
  const facts = [`${(p.durationMs / 1000).toFixed(2)} s`, `${int(p.all.count)} operations`, `${int(p.all.errors)} errors`, `${rate(p.all.throughputOpsPerSec)} ops/s`, `p99 ${ms(p.all.latencyUs.p99)} ms`];
  if (p.clients !== undefined) facts.push(`${p.clients} client(s)`);
  if (p.rateOpsPerSec !== undefined) facts.push(`open loop at ${p.rateOpsPerSec} ops/s, ${int(p.lateStarts)} late start(s)`);
  const out = [`<section class="phase" id="${esc(id)}"><h2>Phase ${esc(p.name)}</h2><p class="meta">${esc(facts.join(' · '))}</p>`];
  // The witness: etcd's own count of the phase's writes beside the agents'; a gap is flagged with its causes.
  if (p.witness) out.push(`<p class="witness ${p.witness.status === 'equal' ? 'ok' : p.witness.status === 'unexplained' ? 'bad' : 'warn'}">Witness: ${esc(p.witness.statement)}${p.witness.causes.length ? `: ${esc(p.witness.causes.join('; '))}` : ''}</p>`);
  if (p.faults) out.push(faultSection(p));
  if (!hasTimeCharts(p)) out.push(`<p class="meta">This phase lasted under three ${intervalSec}-second intervals: no time charts, its figures are in the results table.</p>`);
  out.push(chart(`${id}-throughput`, throughputChart(p, intervalSec)), chart(`${id}-latency`, latencyTimelineChart(p, intervalSec)));
  // The details are folded, so the page reads as a summary first.
  out.push(`<details class="more"><summary>Percentiles, agents and errors of ${esc(p.name)}</summary>`);
  out.push(chart(`${id}-percentiles`, percentileChart(p)));
  out.push('<h3>Agents</h3>');
  out.push(
    table(
      ['agent', 'host', 'clients', 'count', 'errors', 'ops/s', 'p50 ms', 'p99 ms', 'CPU cores', 'start skew ms', 'ended by'],
      p.agents.map((a) => [a.agentId, a.host ?? '-', String(a.clients), int(a.count), int(a.errors), rate(a.opsPerSec), a.count ? ms(a.p50Us) : '-', a.count ? ms(a.p99Us) : '-', { text: a.cpuCores.toFixed(2), cls: a.cpuCores > TRUST_BOUNDS.agentCpuCores ? 'bad' : '' }, a.startSkewMs.toFixed(2), { text: a.endedBy, cls: a.endedBy === 'lost' ? 'bad' : '' }]),
      { numeric: [false, false, true, true, true, true, true, true, true, true, false] },
    ),
  );
  if (p.agents.length > 1) out.push(chart(`${id}-agents`, agentsChart(p), 260));
  out.push('<h3>Errors</h3>');
  const codes = Object.entries(p.ops).flatMap(([op, s]) => Object.entries(s.errorsByCode).map(([code, c]) => [op, code, int(c)]));
  out.push(codes.length ? table(['op', 'gRPC code', 'count'], codes, { numeric: [false, false, true] }) : '<p class="good">No failed request.</p>');
  out.push(chart(`${id}-errors`, errorsChart(p, intervalSec), 240));
  out.push('</details>');
  out.push('</section>');
  return out.join('\n');
}

/** The phase's faults: each window's statement, availability per class, the durability check (docs/faults.md). */
function faultSection(p: ReportPhase): string {
  const f = p.faults as NonNullable<ReportPhase['faults']>;
  const rows = f.windows.map((w) => [`+${w.fromSec.toFixed(1)} s`, `${w.action} ${w.target}`, w.members.join(', ') || '-', `${(w.toSec - w.fromSec).toFixed(2)} s`, w.writeGapMs !== undefined ? (w.writeGapMs / 1000).toFixed(2) : '-', w.readGapMs !== undefined ? (w.readGapMs / 1000).toFixed(2) : '-', w.electionMs !== undefined ? `${(w.electionMs / 1000).toFixed(2)} s → ${w.leaderAfter ?? '?'}` : '-', Object.entries(w.errors).map(([c, k]) => `${c} ${int(k)}`).join(', ') || '0', Object.entries(w.errorsByMember ?? {}).sort((a, b) => b[1] - a[1]).map(([m, k]) => `${m} ${int(k)}`).join(', ') || '-', w.p99RecoverySec !== undefined ? `${w.p99RecoverySec.toFixed(1)} s` : '-', { text: w.error ?? 'ok', cls: w.error ? 'bad' : '' }]);
  const out = ['<h3>Faults</h3>', '<p class="meta">Shaded red in the time charts. Gaps: the longest time no agent had a successful write (read) that the fault caused (starting in its window or the 5 s after it and before the next fault, or running into its start), each counted for one fault only, as are the errors. How to read them: docs/faults.md in the etcdlab checkout.</p>'];
  out.push(table(['at', 'fault', 'members', 'lasted', 'write gap s', 'read gap s', 'election', 'errors (window + recovery)', 'sent to', 'p99 back after', 'status'], rows, { numeric: [true, false, false, true, true, true, false, false, false, true, false] }));
  for (const cls of ['write', 'read'] as const) {
    const a = f.availability?.[cls];
    if (a) out.push(`<p class="meta">${cls}s: longest stretch without a success ${(a.longestMs / 1000).toFixed(2)} s cluster-wide; per agent: ${esc(Object.entries(a.agents).map(([id, ms]) => `${id} ${(ms / 1000).toFixed(2)} s`).join(', '))}</p>`);
  }
  if (f.durabilityStatement) {
    const bad = (f.durability?.lost ?? 0) + (f.durability?.changed ?? 0) > 0;
    out.push(`<p class="witness ${bad ? 'bad' : 'ok'}">Durability: ${esc(f.durabilityStatement)}</p>`);
  }
  return out.join('\n');
}

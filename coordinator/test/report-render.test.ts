import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummaryTable } from '../src/output/summary-table.js';
import { fitLegend, legendRows } from '../src/report/charts/legend-layout.js';
import { renumberSvgIds, renderChartSvg } from '../src/report/charts/ssr.js';
import { headlineOf } from '../src/report/model/headline.js';
import { buildReport, readRun, type ReportModel, toRunSummary, writeReport } from '../src/report/index.js';
import type { RawRun } from '../src/report/raw/types.js';
import { CHURN_HEADER, churnCategory, renderChurnCsv } from '../src/report/render/churn-csv.js';
import { percentileCsvs } from '../src/report/render/csv.js';
import { INTERVALS_HEADER, renderIntervalsCsv } from '../src/report/render/intervals-csv.js';
import { renderHtml } from '../src/report/render/html.js';
import { allFlags, KEY_HEAD, keyTableRows } from '../src/report/render/key-table.js';
import { renderMarkdown } from '../src/report/render/markdown.js';
import { fsyncSample, latencies, prng, writeSyntheticRun } from './helpers/synthetic-run.js';

let dir: string;
let raw: RawRun;
let model: ReportModel;
const base = 1_800_000_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etcdlab-report-render-'));
  const rand = prng(3);
  await writeSyntheticRun(dir, {
    runId: 'render-1',
    baseTimeMs: base,
    rules: [{ name: 'put p99 under 50 ms', phase: 'writes', op: 'put', metric: 'latency.p99', max: 50_000 }],
    metrics: [0, 1, 2, 3, 4, 5].flatMap((k) => ['etcd-1', 'etcd-2'].map((m) => fsyncSample(m, base + k * 1000, [10 * k, 12 * k, 14 * k, 15 * k, m === 'etcd-2' ? 16 * k : 15 * k]))),
    phases: [
      { name: 'writes', startOffsetMs: 1000, durationMs: 3000, spec: { valueSize: 256, valueSizeMax: 256, keys: { space: 1000 }, deadlineMs: 5000, connections: 2 }, agents: ['agent-1', 'agent-2'].map((id) => ({ id, intervals: [0, 1, 2].map((k) => ({ ops: { put: { values: latencies(rand, 200, 2000 + 500 * k), ...(k === 2 ? { errors: { DEADLINE_EXCEEDED: 2 } } : {}) } } })) })) },
      { name: 'reads', startOffsetMs: 4500, durationMs: 1000, agents: [{ id: 'agent-1', intervals: [{ ops: { get: { values: latencies(rand, 300, 700) }, range: { values: latencies(rand, 10, 4000) } } }] }] },
    ],
  });
  raw = readRun(dir);
  model = buildReport(raw);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the HTML report', () => {
  it('is self-contained: inline SVG charts, no script, font, image or link to anywhere else', () => {
    const html = renderHtml(model);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/<img|<link/i);
    const charts = [...html.matchAll(/<figure class="chart" data-chart="([^"]+)" data-points="[1-9]\d*"><svg/g)].map((m) => m[1]);
    // The one-interval reads phase gets no time charts, and no errors chart without an error.
    expect(charts).toEqual(['etcd-fsync', 'etcd-commit', 'etcd-raft', 'etcd-resources', 'phase-writes-throughput', 'phase-writes-latency', 'phase-writes-percentiles', 'phase-writes-agents', 'phase-writes-errors', 'phase-reads-percentiles']);
    expect(html).toContain('This phase lasted under three 1-second intervals');
    // Ids inside the SVGs are unique in the document (charts share one id space when inlined).
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders the same bytes twice, whatever was rendered before in the process', () => {
    const first = renderHtml(model);
    renderChartSvg({ series: [{ type: 'line', data: [[0, 1]] }], xAxis: { type: 'value' }, yAxis: { type: 'value' } }, { width: 100, height: 100 }, 'other');
    expect(renderHtml(model)).toBe(first);
    expect(first).not.toMatch(new RegExp(new Date().toISOString().slice(0, 10)));
  });

  it('shows the verdict, the flags in words and the key table with the run\'s own figures', () => {
    const html = renderHtml(model);
    expect(html).toMatch(/<section id="verdict" class="verdict PASS"><div class="status">PASS<\/div>/);
    expect(html).toMatch(/etcd-2: WAL fsync p99 1\d\.\d ms is above 10 ms/);
    expect(html).toContain('<td class="num bad">');
    const rows = keyTableRows(model);
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['writes', 'put', '1,200', '4'],
      ['reads', 'get', '300', '0'],
      ['reads', 'range', '10', '0'],
    ]);
    for (const r of rows) expect(html).toContain(`<tr>${r.map((c, i) => (i < 2 ? `<td>${c}</td>` : `<td class="num">${c}</td>`)).join('')}</tr>`);
  });

  it('says a whole-run etcd flag only when no phase said it already (one phase is the whole run)', () => {
    const one = model.phases[0]!;
    expect(one.etcd.some((w) => w.flags.length > 0), 'the synthetic run has a flagged phase').toBe(true);
    const single: ReportModel = { ...model, phases: [one], etcd: { ...model.etcd, run: one.etcd } };
    const said = allFlags(single).map((f) => f.message);
    expect(said.filter((m) => m.startsWith('whole run:'))).toEqual([]);
    expect(said.length).toBe(new Set(one.etcd.flatMap((w) => w.flags.map((f) => f.message))).size);
  });

  it('mirrors the terminal table in the Markdown summary', () => {
    const md = renderMarkdown(model);
    const terminal = renderSummaryTable(toRunSummary(raw, model));
    for (const r of keyTableRows(model)) {
      expect(md).toContain(`| ${r.join(' | ')} |`);
      for (const cell of r) expect(terminal).toContain(cell);
    }
    expect(md).toContain(`| ${KEY_HEAD.join(' | ')} |`);
    expect(md.split('\n')[0]).toBe('## etcdlab render-1: PASS');
  });
});

describe('CSV documents', () => {
  it('writes a percentile CSV per phase and op in HdrHistogram\'s layout', () => {
    const files = percentileCsvs(model);
    expect(files.map((f) => f.name)).toEqual(['percentiles_writes_put.csv', 'percentiles_writes_all.csv', 'percentiles_reads_get.csv', 'percentiles_reads_range.csv', 'percentiles_reads_all.csv']);
    const lines = (files[0]?.text ?? '').trim().split('\n');
    expect(lines[0]).toBe('"Value","Percentile","TotalCount","1/(1-Percentile)"');
    expect(lines.at(-1)).toMatch(/^\d+\.\d{3},1\.000000000000,1200,Infinity$/);
    expect(Number(lines.at(-1)?.split(',')[0]) * 1000).toBe(model.phases[0]?.ops.put?.latencyUs.max);
  });

  it('writes every interval of every phase and op in intervals.csv, adding up to the phase figures', () => {
    const lines = renderIntervalsCsv(model).trim().split('\n');
    expect(lines[0]).toBe(INTERVALS_HEADER.join(','));
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [INTERVALS_HEADER[i]!, v])));
    // writes: 3 intervals x (all, put); reads: 1 x (all, get, range).
    expect(rows.map((r) => `${r['phase']}/${r['op']}@${r['offset_s']}`)).toEqual(['writes/all@0.000', 'writes/put@0.000', 'writes/all@1.000', 'writes/put@1.000', 'writes/all@2.000', 'writes/put@2.000', 'reads/all@0.000', 'reads/get@0.000', 'reads/range@0.000']);
    for (const p of model.phases)
      for (const [op, stats] of Object.entries(p.ops)) {
        const mine = rows.filter((r) => r['phase'] === p.name && r['op'] === op);
        expect(mine.reduce((n, r) => n + Number(r['count']), 0), `${p.name}/${op} count`).toBe(stats.count);
        expect(mine.reduce((n, r) => n + Number(r['errors']), 0), `${p.name}/${op} errors`).toBe(stats.errors);
        // The worst interval's max is the phase's max.
        expect(Math.max(...mine.map((r) => Number(r['max_ms'])))).toBeCloseTo(stats.latencyUs.max / 1000, 3);
      }
    expect(rows[0]!['interval_start']).toBe(new Date(model.phases[0]!.startedAtMs).toISOString());
    expect(Number(rows[0]!['p50_ms'])).toBeLessThanOrEqual(Number(rows[0]!['p90_ms']));
    expect(Number(rows[0]!['p90_ms'])).toBeLessThanOrEqual(Number(rows[0]!['p99_ms']));
  });

  it("writes rows in etcd-driver's churn_results.csv layout", () => {
    const csv = renderChurnCsv(raw).trim().split('\n');
    expect(csv[0]?.split(',')).toEqual(CHURN_HEADER);
    expect(CHURN_HEADER).toHaveLength(3 + 38 + 27);
    expect(csv.map((l) => l.split(',')[0])).toEqual(['test', 'pattern-interval', 'pattern-interval', 'pattern-interval', 'pattern-summary', 'pattern-interval', 'pattern-summary']);
    const row = (i: number) => Object.fromEntries(CHURN_HEADER.map((h, k) => [h, (csv[i] ?? '').split(',')[k]]));
    const summary = row(4);
    const put = model.phases[0]?.ops.put;
    expect(summary.startTime).toBe('2027-01-15 08:00:01');
    expect(summary['duration (ms)']).toBe('3000');
    expect(summary.puts).toBe('1200');
    expect(summary['puts/sec']).toBe((1200 / 3).toFixed(4));
    expect(summary.errors).toBe('4');
    expect(summary['Puts max RT(μs)']).toBe(String(put?.latencyUs.max));
    expect(summary['Puts min RT(μs)']).toBe(String(put?.latencyUs.min));
    expect(summary['puts bytes/sec']).toBe(((1200 * 256) / 3).toFixed(2));
    expect(summary['key space']).toBe('1000');
    expect(summary.Reconnects).toBe('');
    expect(summary['file-comment']).toBe('render-1/writes');
    expect(row(1).startTime).toBe('2027-01-15 08:00:02');
    const reads = row(6);
    expect([reads.gets, reads['client gets'], reads['prefix gets']]).toEqual(['300', '300', '10']);
    expect([churnCategory('put-lease'), churnCategory('delete-range'), churnCategory('range'), churnCategory('watch-event'), churnCategory('lease-grant')]).toEqual(['put', 'prefix', 'prefix', 'watch', 'other']);
  });
});

describe('writing the report folder', () => {
  it('rebuilds every document from the folder, byte for byte the same each time', () => {
    const a = writeReport(dir);
    const read = () => a.files.map((f) => readFileSync(f, 'utf8'));
    const first = read();
    const b = writeReport(dir);
    expect(b.files).toEqual(a.files);
    expect(read()).toEqual(first);
    expect(a.files.map((f) => f.slice(dir.length))).toEqual([
      '/report/churn_results.csv',
      '/report/csv/intervals.csv',
      '/report/csv/percentiles_reads_all.csv',
      '/report/csv/percentiles_reads_get.csv',
      '/report/csv/percentiles_reads_range.csv',
      '/report/csv/percentiles_writes_all.csv',
      '/report/csv/percentiles_writes_put.csv',
      '/report/index.html',
      '/report/report.json',
      '/report/summary.md',
    ]);
    const json = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as ReportModel;
    expect(json.schema).toBe('etcdlab-report');
    expect(json.schemaVersion).toBe(1);
  });

  it('gives each chart its own ids', () => {
    expect(renumberSvgIds('<g clip-path="url(#zr7-c0)" class="zr7-cls-3"></g><clipPath id="zr7-c0"/>', 'x')).toBe('<g clip-path="url(#x-0)" class="x-1"></g><clipPath id="x-0"/>');
  });
});

describe('the headline', () => {
  it('gives the key figures from the model and the verdict in words', () => {
    const h = headlineOf(model);
    const busiest = [...model.phases].sort((a, b) => b.all.throughputOpsPerSec - a.all.throughputOpsPerSec)[0];
    expect(h.figures).toContain(`in ${busiest?.name}`);
    expect(h.figures).toMatch(/^\S+ on \d+ member\(s\): /);
    const errors = model.phases.reduce((a, p) => a + p.all.errors, 0);
    const requests = model.phases.reduce((a, p) => a + p.all.count + p.all.errors, 0);
    expect(errors).toBe(4);
    expect(h.figures).toContain(`${errors} failed of ${requests.toLocaleString('en-US')} requests`);
    expect(h.verdict).toBe(`${model.verdict.status}: ${model.verdict.reason}`);
    expect(model.verdict.reason).not.toBe('');
    expect(renderHtml(model)).toContain(`<p class="headline">${h.figures.replace(/&/g, '&amp;')}</p>`);
    expect(renderMarkdown(model)).toContain(`**${h.figures}.**`);
  });
});

describe('legend layout', () => {
  it('wraps the entries into rows that fit and grows the chart by them', () => {
    expect(legendRows([], 900)).toBe(0);
    expect(legendRows(['a', 'b'], 900)).toBe(1);
    const many = Array.from({ length: 15 }, (_, i) => `watch-event-${i}`);
    const rows = legendRows(many, 400);
    expect(rows).toBeGreaterThan(3);
    const laid = fitLegend({ legend: { top: 6, right: 10 }, grid: { bottom: 46 }, series: many.map((name) => ({ type: 'line', name, data: [] })) }, { width: 440, height: 300 });
    expect(laid.height).toBe(300 + rows * 20 + 8);
    expect(laid.option.legend).toMatchObject({ bottom: 6, left: 'center' });
    expect((laid.option.legend as { top?: unknown }).top).toBeUndefined();
    // Multi-panel charts keep their own layout.
    const panels = { legend: { bottom: 8 }, grid: [{}, {}], series: many.map((name) => ({ type: 'line' as const, name, data: [] })) };
    expect(fitLegend(panels, { width: 440, height: 300 })).toEqual({ option: panels, height: 300 });
  });
});

import { describe, expect, it } from 'vitest';
import { comparisonChart } from '../src/report/compare/charts.js';
import { buildComparison, roleOf } from '../src/report/compare/model.js';
import { fitUsl } from '../src/report/compare/usl.js';
import { compareTable, insights, renderCompareHtml, renderCompareMarkdown, repeatsTable } from '../src/report/compare/render.js';
import { COMPARE_CHART, svgToPng } from '../src/report/compare/write.js';
import { renderChartSvg } from '../src/report/charts/ssr.js';
import type { OpStats, ReportModel, ReportPhase } from '../src/report/index.js';

const op = (ops: number, p50: number, p99: number): OpStats => ({ count: Math.round(ops * 10), errors: 0, errorsByCode: {}, errorRate: 0, throughputOpsPerSec: ops, latencyUs: { p50, p90: p50 * 2, p99, p999: p99 * 2, max: p99 * 3, min: 100, mean: p50, stddev: p50 / 2 } });
const phase = (name: string, clients: number, ops: Record<string, OpStats>): ReportPhase => {
  const total = Object.values(ops).reduce((a, o) => a + o.throughputOpsPerSec, 0);
  const first = Object.values(ops)[0] as OpStats;
  return { name, startedAtMs: 0, durationMs: 10_000, clients, lateStarts: 0, droppedStarts: 0, outcome: 'completed', reasons: [], ops, all: op(total, first.latencyUs.p50, first.latencyUs.p99), timeline: {}, percentiles: {}, errorsOverTime: [], agents: [], etcd: [] };
};
const model = (runId: string, members: number, phases: ReportPhase[]): ReportModel => ({
  schema: 'etcdlab-report',
  schemaVersion: 1,
  run: { runId, workload: { name: 'suite', source: 'suite.yaml', quick: true }, cluster: { provider: 'local', members, endpoints: [] }, agents: 2, startedAt: '2027-01-01T00:00:00.000Z', status: 'completed', intervalMs: 1000 },
  phases,
  verdict: { status: 'NONE', reason: 'no rules', results: [], problems: [] },
  warnings: [],
  integrity: { ok: true, mismatches: [] },
  etcd: { thresholds: { fsyncP99Ms: 10, commitP99Ms: 25 }, run: [], timeline: {} },
  hosts: [],
});
/** The standard suite on a cluster of `n` members: writes get slower as the cluster grows. */
const suite = (n: number) =>
  model(`run-${n}`, n, [
    phase('sequential-writes', 1, { put: op(900 / (1 + 0.2 * (n - 1)), 1000 + 150 * n, 3000 + 400 * n) }),
    phase('sequential-reads', 1, { get: op(1500 - 20 * n, 600 + 50 * n, 1500 + 100 * n) }),
    phase('concurrent-writes', 10, { put: op(2500 / (1 + 0.1 * (n - 1)), 3000, 9000) }),
    phase('mixed', 10, { get: op(2100 - 50 * n, 2000, 8000), put: op(900 - 30 * n, 2500, 9000) }),
  ]);

describe('comparing runs', () => {
  it("recognises the first seed's four tests by their op mix and clients", () => {
    expect(suite(1).phases.map(roleOf)).toEqual(['sequentialWrite', 'sequentialRead', 'concurrentWrite', 'mixed']);
    expect(roleOf(phase('x', 4, { get: op(1, 1, 1) }))).toBeUndefined();
  });

  it('compares cluster sizes: the table (each p99 beside its own throughput), scaling as the cost of replication, no USL claim', () => {
    const c = buildComparison([7, 1, 5, 3].map((n) => ({ model: suite(n), dir: `/r/run-${n}` })));
    expect(c.axis).toBe('members');
    expect(c.rows.map((r) => r.x)).toEqual([1, 3, 5, 7]);
    const t = compareTable(c);
    expect(t.head).toEqual(['members', 'run', 'seq write ops/s', 'p99 ms', 'seq read ops/s', 'p99 ms', 'conc write ops/s', 'p99 ms', 'mixed ops/s', 'p99 ms', 'verdict', 'warnings/flags']);
    // The mixed phase's p99 is its own (8 ms, the all-ops figure of that phase), not another phase's.
    expect(t.rows[0]).toEqual(['1', 'run-1', '900', '3.40', '1,480', '1.60', '2,500', '9.00', '2,920', '8.00', 'NONE', '0']);
    const seq = c.scaling.find((s) => s.role === 'sequentialWrite');
    expect(seq?.ratio).toBeCloseTo(900 / 2.2 / 900, 9);
    expect(c.usl).toEqual([]);
    expect(c.warnings).toEqual([]);
    const words = insights(c);
    expect(words[0]).toBe('sequential write: 900 ops/s with 1 members -> 409 ops/s with 7 (0.45x: replication costs 55% of it)');
    expect(words).toContain('sequential write p99: 3.40 ms -> 5.80 ms (phase sequential-writes, the same as its throughput)');
    expect(words.some((w) => w.startsWith('no USL fit across cluster sizes'))).toBe(true);
    expect(words.some((w) => /USL fit \(/.test(w))).toBe(false);
  });

  it('repeats: one point per size with mean ± 95% CI (range), scaling from the means, every run still in the table', () => {
    const slower = (n: number, f: number) => {
      const m = suite(n);
      m.run.runId = `run-${n}-${f}`;
      for (const p of m.phases) for (const o of [p.all, ...Object.values(p.ops)]) o.throughputOpsPerSec *= f;
      return m;
    };
    const c = buildComparison([slower(1, 1), slower(1, 0.9), slower(3, 1), slower(3, 0.8)].map((model) => ({ model, dir: `/r/${model.run.runId}` })));
    expect(c.rows).toHaveLength(4);
    expect(c.points.map((p) => [p.x, p.runIds.length])).toEqual([[1, 2], [3, 2]]);
    const seq1 = c.points[0]?.roles.sequentialWrite?.opsPerSec;
    expect(seq1?.mean).toBeCloseTo(855, 9);
    expect(c.scaling.find((s) => s.role === 'sequentialWrite')?.fromOpsPerSec).toBeCloseTo(855, 9);
    const rep = repeatsTable(c);
    expect(rep?.head.slice(0, 4)).toEqual(['members', 'runs', 'seq write ops/s', 'p99 ms']);
    expect(rep?.rows[0]?.[2]).toMatch(/^855 ± [\d,]+ \(810–900\)$/);
    expect(insights(c)).toContain('repeats: 2 run(s) at 1, 2 run(s) at 3; figures below are means, the table gives each point\'s 95% confidence interval and range');
    expect(renderCompareMarkdown(c)).toContain('Repeats: mean ± 95% confidence interval');
    expect(renderCompareHtml(c, '<svg></svg>')).toContain('id="repeats-table"');
    expect(repeatsTable(buildComparison([1, 3].map((n) => ({ model: suite(n), dir: `/r/${n}` }))))).toBeUndefined();
  });

  it('repeats of one configuration (sweep --members 3 --repeat 5): one point with its interval, no scaling between runs', () => {
    const runs = [1, 0.9, 1.1, 0.95, 1.05].map((f, i) => {
      const m = suite(3);
      m.run.runId = `rep-${i}`;
      for (const p of m.phases) for (const o of [p.all, ...Object.values(p.ops)]) o.throughputOpsPerSec *= f;
      return { model: m, dir: `/r/rep-${i}` };
    });
    const c = buildComparison(runs);
    expect(c.axis).toBe('run');
    expect(c.rows.map((r) => r.x)).toEqual([1, 1, 1, 1, 1]);
    expect(c.points).toHaveLength(1);
    const cw = c.points[0]?.roles.concurrentWrite?.opsPerSec;
    expect(cw).toMatchObject({ n: 5, min: 2500 / 1.2 * 0.9, max: 2500 / 1.2 * 1.1 });
    expect(cw?.mean).toBeCloseTo(2500 / 1.2, 9);
    expect(cw?.ci95?.[0]).toBeLessThan(cw?.mean as number);
    // Five runs of one configuration are noise around one mean, not a trend from the first run to the last.
    expect(c.scaling).toEqual([]);
    const rep = repeatsTable(c);
    expect(rep?.head.slice(0, 2)).toEqual(['config #', 'runs']);
    expect(rep?.rows).toHaveLength(1);
    expect(rep?.rows[0]?.[1]).toBe('5');
    expect(compareTable(c).head[0]).toBe('config #');
    const words = insights(c);
    expect(words).toContain('configuration 1: 3 member(s), 10 client(s) in mixed, workload suite: 5 run(s)');
    expect(words).toContain("repeats: 5 run(s) of configuration 1; the table gives each point's mean, 95% confidence interval and range");
    expect(words.some((w) => / p99: /.test(w))).toBe(false);
    expect(renderCompareMarkdown(c)).toContain('## etcdlab comparison: 5 runs by configuration');
    // The chart draws one point at configuration 1, with its interval as a bar.
    const svg = renderChartSvg(comparisonChart(c), COMPARE_CHART, 'cmp');
    expect(svg).toContain('5 runs by configuration');
    expect(JSON.stringify(comparisonChart(c).series)).toContain(JSON.stringify([['1', Math.round((cw?.ci95?.[0] as number) * 10) / 10], ['1', Math.round((cw?.ci95?.[1] as number) * 10) / 10]]));
    // Another workload at the same size is its own configuration, not a repeat.
    const other = suite(3);
    other.run.runId = 'k8s';
    other.run.workload = { name: 'kubernetes', source: 'kubernetes.yaml', quick: true };
    const d = buildComparison([...runs, { model: other, dir: '/r/k8s' }]);
    expect(d.points.map((p) => [p.x, p.runIds.length])).toEqual([[1, 5], [2, 1]]);
  });

  it('fits the USL to the points\' means, as the knee reads them, and says so', () => {
    // Two runs per client count, one high and one low: the fit on the means is not the fit on the runs.
    const tput = [500, 980, 1900, 3300, 3900, 4050];
    const swing = [0.6, 1.4, 0.7, 1.3, 0.8, 1.2];
    const runs = [1, 2, 4, 8, 16, 32].flatMap((clients, i) =>
      [1, -1].map((sign, k) => ({ model: model(`c-${clients}-${k}`, 3, [phase('writes', clients, { put: op((tput[i] as number) * (sign > 0 ? (swing[i] as number) : 2 - (swing[i] as number)), 1000, 3000) })]), dir: `/r/c${clients}-${k}` })),
    );
    const c = buildComparison(runs);
    const means = c.points.map((p) => ({ n: p.x, x: p.main.opsPerSec.mean }));
    means.forEach((m, i) => expect(m.x).toBeCloseTo(tput[i] as number, 9));
    expect(c.usl[0]?.fit).toEqual(fitUsl(means));
    expect(c.usl[0]?.fit).not.toEqual(fitUsl(c.rows.map((r) => ({ n: r.x, x: r.main.opsPerSec }))));
    expect(c.usl[0]?.note).toBe('fitted to the means of 6 client counts (12 runs)');
    expect(insights(c).find((w) => w.startsWith('USL fit (all ops, fitted to the means of 6 client counts (12 runs)): sigma'))).toBeDefined();
    expect(c.knee?.best.opsPerSec).toBeCloseTo(4050, 9);
  });

  it('warns when the runs compared ran different workloads', () => {
    const other = model('run-k8s', 3, [phase('mixed', 10, { get: op(2000, 2000, 8000), put: op(800, 2500, 9000) })]);
    other.run.workload = { name: 'kubernetes', source: 'kubernetes.yaml', quick: true };
    const c = buildComparison([{ model: suite(1), dir: '/r/1' }, { model: other, dir: '/r/k' }]);
    expect(c.warnings).toEqual(['runs of different workloads are compared (suite: 1 run(s), kubernetes: 1 run(s)): their figures measure different things']);
    expect(insights(c)[0]).toBe(`warning: ${c.warnings[0]}`);
    expect(renderCompareMarkdown(c)).toContain('- warning: runs of different workloads');
  });

  it('compares client counts: the knee and the latency at best throughput', () => {
    const tput = [500, 980, 1900, 3300, 3900, 4050];
    const c = buildComparison([1, 2, 4, 8, 16, 32].map((clients, i) => ({ model: model(`c-${clients}`, 3, [phase('writes', clients, { put: op(tput[i] as number, 1000 * (i + 1), 3000 * (i + 1)) })]), dir: `/r/c${clients}` })));
    expect(c.axis).toBe('clients');
    expect(c.knee?.best.clients).toBe(32);
    expect(c.knee?.knee?.clients).toBe(8);
    expect(compareTable(c).head).toEqual(['clients', 'run', 'phase', 'ops/s', 'p50 ms', 'p99 ms', 'verdict', 'warnings/flags']);
    expect(compareTable(c).rows[5]).toEqual(['32', 'c-32', 'writes', '4,050', '6.00', '18.0', 'NONE', '0']);
    expect(insights(c)).toContain('writes: 500 ops/s at p99 3.00 ms with 1 clients -> 4,050 ops/s at p99 18.0 ms with 32');
    expect(insights(c)).toContain('best throughput: 4,050 ops/s with 32 clients, p50 6.00 ms, p99 18.0 ms');
    expect(insights(c)).toContain('throughput knee: 8 clients (3,300 ops/s, p99 12.0 ms): past it, more clients mostly add latency');
    expect(c.usl[0]?.role).toBe('main');
    expect(c.usl[0]?.fit).toBeDefined();
    // Its limits are said: the measured range, and a peak beyond it is an extrapolation.
    expect(c.usl[0]?.limits?.[0]).toBe('measured from 1 to 32 clients; the curve is drawn only there');
    const fitLine = insights(c).find((w) => w.startsWith('USL fit (all ops, fitted to the means of 6 client counts (6 runs))'));
    expect(fitLine).toContain('measured from 1 to 32 clients');
  });

  it('renders the charts to SVG and PNG, and the HTML around them', () => {
    const c = buildComparison([1, 3, 5, 7].map((n) => ({ model: suite(n), dir: `/r/run-${n}` })));
    const svg = renderChartSvg(comparisonChart(c), COMPARE_CHART, 'cmp');
    expect(svg.match(/<path /g)?.length).toBeGreaterThan(50);
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(COMPARE_CHART.width * 2);
    expect(png.readUInt32BE(20)).toBe(COMPARE_CHART.height * 2);
    const html = renderCompareHtml(c, svg);
    expect(html).not.toMatch(/<script|(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).toContain('<figure class="chart" data-chart="comparison"><svg');
  });
});

import { FONT, PALETTE, RED, round3, usToMs } from '../charts/common.js';
import type { ChartOption } from '../charts/ssr.js';
import { axisName, type CompareModel, ROLE_LABEL, ROLES } from './model.js';
import { hasRepeats, type Spread } from './points.js';
import { uslAt } from './usl.js';

/**
 * The comparison as one 2x2 chart (the first seed's figure, done from merged histograms): throughput
 * against cluster size or clients with the USL fit, latency, the mixed phase's reads and writes (or,
 * for client sweeps, latency against throughput with the knee), and throughput per member (or client).
 */
export function comparisonChart(c: CompareModel): ChartOption {
  const xName = axisName(c);
  const xs = c.rows.map((r) => r.x);
  const grids = [
    { left: 70, right: '53%', top: 70, bottom: '55%' },
    { left: '55%', right: 30, top: 70, bottom: '55%' },
    { left: 70, right: '53%', top: '57%', bottom: 84 },
    { left: '55%', right: 30, top: '57%', bottom: 84 },
  ];
  const titles = [
    { text: ['Throughput (ops/s)', ...(c.usl.some((u) => u.fit) ? ['dashed: USL fit'] : []), ...(hasRepeats(c.points) ? ['bars: 95% CI'] : [])].join('; '), left: 70, top: 34 },
    { text: c.axis === 'clients' ? 'Latency (ms)' : 'p99 latency of each test (ms)', left: '55%', top: 34 },
    { text: c.axis === 'clients' ? 'p99 latency (ms) against throughput' : 'Mixed phase: reads and writes (ops/s)', left: 70, top: '51%' },
    { text: c.axis === 'clients' ? 'Throughput per client (ops/s)' : 'Throughput per member (ops/s)', left: '55%', top: '51%' },
  ].map((t) => ({ ...t, textStyle: { fontSize: 13, fontFamily: FONT } }));
  // Client sweeps usually double the clients: a log2 axis spaces them evenly.
  // Cluster sizes (and runs) are discrete: a category axis, one tick per compared value, nothing between.
  const cats = [...new Set(xs)].sort((a, b) => a - b).map(String);
  const valueX = (i: number) =>
    c.axis === 'clients'
      ? { type: Math.min(...xs) > 0 ? 'log' : 'value', logBase: 2, gridIndex: i, name: xName, nameLocation: 'middle', nameGap: 24, min: Math.min(...xs), max: Math.max(...xs), minInterval: 1, axisLabel: { fontSize: 10 } }
      : { type: 'category', data: cats, boundaryGap: false, gridIndex: i, name: xName, nameLocation: 'middle', nameGap: 24, axisLabel: { fontSize: 10 } };
  const at = (x: number): number | string => (c.axis === 'clients' ? x : String(x));
  const yAxis = (i: number, name = '') => ({ type: 'value', gridIndex: i, name, min: 0, axisLabel: { fontSize: 10 }, nameTextStyle: { fontSize: 10 } });
  const series: object[] = [];
  const membersAt = (x: number): number => Math.max(1, c.rows.find((r) => r.x === x)?.members ?? 1);
  const legend: string[] = [];
  const mark = { symbolSize: 7, lineStyle: { width: 2 } };

  // A client sweep varies one phase: its figures are the run's main phase, not the suite's roles.
  ROLES.forEach((role, k) => {
    if (c.axis === 'clients') return;
    const ps = c.points.filter((p) => p.roles[role]);
    const pts = ps.map((p) => [at(p.x), Math.round((p.roles[role]?.opsPerSec.mean ?? 0) * 10) / 10]);
    if (pts.length === 0) return;
    legend.push(ROLE_LABEL[role]);
    series.push({ type: 'line', name: ROLE_LABEL[role], xAxisIndex: 0, yAxisIndex: 0, data: pts, color: PALETTE[k], ...mark });
    series.push(...ciBars(ps.map((p) => [at(p.x), p.roles[role]?.opsPerSec]), ROLE_LABEL[role], 0, PALETTE[k] as string));
    const per = ps.map((p) => [at(p.x), round3((p.roles[role]?.opsPerSec.mean ?? 0) / membersAt(p.x))]);
    series.push({ type: 'line', name: ROLE_LABEL[role], xAxisIndex: 3, yAxisIndex: 3, data: per, color: PALETTE[k], ...mark });
  });
  if (c.axis === 'clients' || series.length === 0) {
    legend.push('all ops');
    series.push({ type: 'line', name: 'all ops', xAxisIndex: 0, yAxisIndex: 0, data: c.points.map((p) => [at(p.x), Math.round(p.main.opsPerSec.mean * 10) / 10]), color: PALETTE[0], ...mark });
    series.push(...ciBars(c.points.map((p) => [at(p.x), p.main.opsPerSec]), 'all ops', 0, PALETTE[0] as string));
    const fit = c.usl.find((u) => u.role === 'main')?.fit;
    if (fit) series.push({ type: 'line', name: 'all ops (USL fit)', xAxisIndex: 0, yAxisIndex: 0, showSymbol: false, color: PALETTE[0], lineStyle: { type: 'dashed', width: 1 }, data: curve(xs, fit) });
    series.push({ type: 'line', name: 'all ops', xAxisIndex: 3, yAxisIndex: 3, data: c.points.map((p) => [at(p.x), round3(p.main.opsPerSec.mean / (c.axis === 'clients' ? Math.max(1, p.x) : membersAt(p.x)))]), color: PALETTE[0], ...mark });
  }

  // Each test's p99 from the same phase as its throughput beside it (never one phase's latency next to another's rate).
  ROLES.forEach((role, k) => {
    if (c.axis === 'clients') return;
    const pts = c.points.filter((p) => p.roles[role]).map((p) => [at(p.x), usToMs(p.roles[role]?.p99Us.mean ?? 0)]);
    // Named as the test: one legend entry (one colour) per test across the panels.
    if (pts.length) series.push({ type: 'line', name: ROLE_LABEL[role], xAxisIndex: 1, yAxisIndex: 1, data: pts, color: PALETTE[k], ...mark });
  });
  if (c.axis === 'clients') {
    series.push({ type: 'line', name: 'main p50', xAxisIndex: 1, yAxisIndex: 1, data: c.points.map((p) => [p.x, usToMs(p.main.p50Us.mean)]), color: PALETTE[4], ...mark });
    series.push({ type: 'line', name: 'main p99', xAxisIndex: 1, yAxisIndex: 1, data: c.points.map((p) => [p.x, usToMs(p.main.p99Us.mean)]), color: PALETTE[5], ...mark });
  }
  legend.push(...series.filter((s) => (s as { xAxisIndex: number }).xAxisIndex === 1).map((s) => (s as { name: string }).name));

  let xAxis3: object = { type: 'category', gridIndex: 2, data: c.points.map((p) => String(p.x)), name: xName, nameLocation: 'middle', nameGap: 24, axisLabel: { fontSize: 10 } };
  if (c.axis === 'clients') {
    xAxis3 = { type: 'value', gridIndex: 2, name: 'ops/s', nameLocation: 'middle', nameGap: 24, min: 0, axisLabel: { fontSize: 10 } };
    const knee = c.knee?.knee;
    series.push({
      type: 'line',
      name: 'p99 vs ops/s',
      xAxisIndex: 2,
      yAxisIndex: 2,
      data: c.points.map((p) => [Math.round(p.main.opsPerSec.mean), usToMs(p.main.p99Us.mean)]),
      color: PALETTE[2],
      ...mark,
      ...(knee ? { markPoint: { symbol: 'pin', symbolSize: 36, itemStyle: { color: RED }, label: { fontSize: 9, formatter: `knee ${knee.clients}` }, data: [{ coord: [Math.round(knee.opsPerSec), usToMs(knee.p99Us)] }] } } : {}),
    });
  } else {
    series.push({ type: 'bar', name: 'mixed reads', xAxisIndex: 2, yAxisIndex: 2, data: c.points.map((p) => Math.round(p.roles.mixed?.readOpsPerSec?.mean ?? 0)), color: PALETTE[0] });
    series.push({ type: 'bar', name: 'mixed writes', xAxisIndex: 2, yAxisIndex: 2, data: c.points.map((p) => Math.round(p.roles.mixed?.writeOpsPerSec?.mean ?? 0)), color: PALETTE[3] });
    legend.push('mixed reads', 'mixed writes');
  }

  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: [{ text: `etcdlab comparison: ${c.rows.length} runs by ${xName}`, left: 'center', top: 4, textStyle: { fontSize: 15, fontFamily: FONT } }, ...titles],
    legend: { data: [...new Set(legend)], bottom: 8, itemGap: 28, textStyle: { fontSize: 11 } },
    grid: grids,
    xAxis: [valueX(0), valueX(1), xAxis3, valueX(3)],
    // The panel titles carry the units: axis names up there would run into them.
    yAxis: [yAxis(0), yAxis(1), yAxis(2), yAxis(3)],
    series,
  } as ChartOption;
}

/** Each repeated point's 95% confidence interval as a short vertical bar in the series' colour (named as it, one legend entry). */
function ciBars(points: readonly [number | string, Spread | undefined][], name: string, axis: number, color: string): object[] {
  return points.flatMap(([x, s]) =>
    s?.ci95 ? [{ type: 'line', name, xAxisIndex: axis, yAxisIndex: axis, symbol: 'none', color, lineStyle: { width: 1.5 }, data: [[x, Math.round(s.ci95[0] * 10) / 10], [x, Math.round(s.ci95[1] * 10) / 10]] }] : [],
  );
}

/** The fitted curve over the compared range, 40 points. */
function curve(xs: number[], fit: { sigma: number; kappa: number; lambda: number }): [number, number][] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return Array.from({ length: 41 }, (_, i) => {
    const n = lo + ((hi - lo) * i) / 40;
    return [round3(n), Math.round(uslAt(n, fit) * 10) / 10] as [number, number];
  });
}

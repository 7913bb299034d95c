import type { ReportPhase, TimelinePoint } from '../model/types.js';
import { frame, type Pair, RED, secondsAxis, spans, usToMs, valueAxis, wantsLog } from './common.js';
import type { ChartOption } from './ssr.js';

/** Op series of a phase (not `all`), sorted. */
const opsOf = (p: ReportPhase): string[] => Object.keys(p.timeline).filter((k) => k !== 'all').sort();

function warmupSpans(p: ReportPhase, intervalSec: number) {
  const warm = (p.timeline.all ?? []).filter((t) => t.warmup).map((t) => t.offsetSec);
  return warm.length ? [{ from: Math.min(...warm), to: Math.max(...warm) + intervalSec, label: 'warm-up' }] : [];
}

/** Each fault window, from injection to its undo (at least 0.2 s wide, so a one-request fault shows). */
export function faultSpans(p: ReportPhase): { from: number; to: number; label: string }[] {
  return (p.faults?.windows ?? []).filter((w) => !w.error).map((w) => ({ from: round1(w.fromSec), to: round1(Math.max(w.toSec, w.fromSec + 0.2)), label: w.action }));
}
const round1 = (v: number): number => Math.round(v * 10) / 10;

const line = (name: string, data: Pair[], extra: object = {}) => ({ type: 'line' as const, name, data, showSymbol: data.length <= 2, symbolSize: 4, lineStyle: { width: 1.6 }, ...extra });

/** Under three intervals a time line says nothing (one or two points): such a phase gets no time charts. */
export const hasTimeCharts = (p: ReportPhase): boolean => (p.timeline.all ?? []).length >= 3;

/** The time axis of a phase (seconds from its start), its series, and the warm-up and fault shading. */
function timeAxis(p: ReportPhase, intervalSec: number) {
  const xAxis = secondsAxis('seconds from the synchronized start');
  const series = (name: string, data: Pair[], extra: object = {}) => line(name, data, extra);
  const shade = (first: object | undefined) => {
    if (!first) return;
    // Warm-up in grey, fault windows in red (each item carries its colour).
    const red = { color: 'rgba(200,40,40,0.14)' };
    const area = spans([...warmupSpans(p, intervalSec), ...faultSpans(p).map((f) => ({ ...f, itemStyle: red }))]);
    if (area) Object.assign(first, { markArea: area });
  };
  return { xAxis, series, shade };
}

/** Successful operations per second over the phase, per op and all together (none for a short phase). */
export function throughputChart(p: ReportPhase, intervalSec: number): ChartOption | undefined {
  if (!hasTimeCharts(p)) return undefined;
  const ops = opsOf(p);
  const t = timeAxis(p, intervalSec);
  const toPairs = (pts: readonly TimelinePoint[]): Pair[] => pts.map((x) => [x.offsetSec, Math.round(x.opsPerSec * 10) / 10]);
  const series: object[] = ops.map((op) => t.series(op, toPairs(p.timeline[op] ?? [])));
  if (ops.length > 1) series.unshift(t.series('all', toPairs(p.timeline.all ?? []), { lineStyle: { width: 2.4 } }));
  t.shade(series[0]);
  return { ...frame(`${p.name}: throughput`, 'successful operations per second, every agent together'), xAxis: t.xAxis, yAxis: valueAxis('ops/s', { min: 0 }), series } as ChartOption;
}

/** p50, p99 and p99.9 per interval, merged over agents (never averaged), in ms. */
export function latencyTimelineChart(p: ReportPhase, intervalSec: number): ChartOption | undefined {
  if (!hasTimeCharts(p)) return undefined;
  const ops = opsOf(p);
  const t = timeAxis(p, intervalSec);
  const base = ops.length === 1 ? (ops[0] as string) : 'all';
  const pts = (p.timeline[base] ?? []).filter((x) => x.count > 0);
  const pick = (k: 'p50Us' | 'p99Us' | 'p999Us'): Pair[] => pts.map((x) => [x.offsetSec, usToMs(x[k])]);
  const series: object[] = [t.series(`${base} p50`, pick('p50Us')), t.series(`${base} p99`, pick('p99Us')), t.series(`${base} p99.9`, pick('p999Us'))];
  if (ops.length > 1) for (const op of ops) series.push(t.series(`${op} p99`, (p.timeline[op] ?? []).filter((x) => x.count > 0).map((x) => [x.offsetSec, usToMs(x.p99Us)] as Pair), { lineStyle: { width: 1.2, type: 'dashed' } }));
  const all = series.flatMap((x) => (x as { data: Pair[] }).data.map((d) => d[1]));
  t.shade(series[0]);
  const log = wantsLog(all);
  return { ...frame(`${p.name}: latency over time`, `per ${intervalSec}-second interval, ms${log ? ' (log scale)' : ''}`), xAxis: t.xAxis, yAxis: valueAxis('ms', { log }), series } as ChartOption;
}

/** Maps a percentile to HdrHistogram's plot axis 1/(1-p): 90% -> 10, 99% -> 100, 99.9% -> 1000. */
export const percentileX = (percentile: number): number => 1 / (1 - Math.min(percentile, 99.9999) / 100);

/** The latency percentile distribution, percentiles on a log axis (HdrHistogram's plot). */
export function percentileChart(p: ReportPhase): ChartOption {
  const ops = opsOf(p);
  const keys = ops.length > 1 ? ['all', ...ops] : ops;
  const series = keys.map((k) =>
    line(
      k,
      (p.percentiles[k] ?? []).filter((pt) => pt.percentile < 100).map((pt) => [Math.round(percentileX(pt.percentile) * 1e4) / 1e4, usToMs(pt.valueUs)] as Pair),
      { step: 'end', lineStyle: { width: k === 'all' ? 2.4 : 1.6 } },
    ),
  );
  const labels: Record<number, string> = { 1: '0%', 10: '90%', 100: '99%', 1000: '99.9%', 10000: '99.99%', 100000: '99.999%', 1000000: '99.9999%' };
  return {
    ...frame(`${p.name}: latency by percentile`, 'HdrHistogram percentile distribution, ms'),
    xAxis: { type: 'log', name: 'percentile', nameLocation: 'middle', nameGap: 26, min: 1, axisLabel: { fontSize: 10, formatter: (v: number) => labels[Math.round(v)] ?? '' } },
    yAxis: valueAxis('ms', { min: 0 }),
    series,
  } as ChartOption;
}

/** Per agent: throughput (bars) and p99 (line, right axis); CPU in the labels. */
export function agentsChart(p: ReportPhase): ChartOption {
  const names = p.agents.map((a) => `${a.agentId} (${a.cpuCores.toFixed(2)} cores)`);
  return {
    ...frame(`${p.name}: per agent`, 'throughput and p99 of each agent; CPU cores used in brackets'),
    xAxis: { type: 'category', data: names, axisLabel: { fontSize: 10, interval: 0 } },
    yAxis: [valueAxis('ops/s', { min: 0 }), valueAxis('p99 ms', { position: 'right', min: 0 })],
    series: [
      { type: 'bar', name: 'ops/s', data: p.agents.map((a) => Math.round(a.opsPerSec * 10) / 10), barMaxWidth: 48, label: { show: true, position: 'top', fontSize: 10 } },
      // An agent with no success has no p99: drawn as a gap, not as a point at zero.
      { type: 'line', name: 'p99 ms', yAxisIndex: 1, data: p.agents.map((a) => (a.count > 0 ? usToMs(a.p99Us) : null)), symbolSize: 7, connectNulls: false },
    ],
  } as ChartOption;
}

/** Errors per interval, stacked by op and gRPC code; none when the phase had no failed request (the page says so in words). */
export function errorsChart(p: ReportPhase, intervalSec: number): ChartOption | undefined {
  if (p.errorsOverTime.every((e) => e.count === 0)) return undefined;
  const offsets = (p.timeline.all ?? []).map((t) => t.offsetSec);
  const keys = [...new Set(p.errorsOverTime.map((e) => `${e.op} ${e.code}`))].sort();
  const series = keys.map((k) => ({
    type: 'bar' as const,
    name: k,
    stack: 'errors',
    data: offsets.map((o) => [o, p.errorsOverTime.filter((e) => e.offsetSec === o && `${e.op} ${e.code}` === k).reduce((a, e) => a + e.count, 0)] as Pair),
  }));
  const total = p.errorsOverTime.reduce((a, e) => a + e.count, 0);
  return {
    ...frame(`${p.name}: errors by op and gRPC code`, `${total} failed request(s) in ${intervalSec}-second intervals`),
    color: [RED, '#e57373', '#8e0000', '#ff8a65', '#6d4c41', '#b71c1c'],
    xAxis: secondsAxis('seconds from the synchronized start'),
    yAxis: valueAxis('errors', { min: 0 }),
    series,
  } as ChartOption;
}

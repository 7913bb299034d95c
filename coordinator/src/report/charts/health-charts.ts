import type { EtcdHealth, EtcdPoint, EtcdWindow, HostHealth, ReportModel } from '../model/types.js';
import { AMBER, frame, type Pair, RED, round3, secondsAxis, spans, thresholdLine, valueAxis } from './common.js';
import type { ChartOption } from './ssr.js';

/** The phases as shaded, labelled spans on run-time charts (seconds since the run's base time). */
export function phaseSpans(model: ReportModel): { from: number; to: number; label?: string }[] {
  const base = Date.parse(model.run.startedAt);
  const list = model.phases.map((p) => ({ from: round3((p.startedAtMs - base) / 1000), to: round3((p.startedAtMs + p.durationMs - base) / 1000), label: p.name }));
  // A band is labelled only when its name fits inside it: short phases side by side piled their names
  // on top of each other. The phases are named in the tables beside the charts anyway.
  const pxPerSec = PLOT_PX / Math.max(1, ...list.map((s) => s.to));
  return list.map((s) => ((s.to - s.from) * pxPerSec >= s.label.length * LABEL_CHAR_PX + 8 ? s : { from: s.from, to: s.to }));
}
/** The plot's width in a 960-pixel chart (less the grid's margins), and a 9-pixel label's character width. */
const PLOT_PX = 960 - 140;
const LABEL_CHAR_PX = 5.6;

/** Seconds since the run's start, the same span on every run-wide chart: to the end of the last phase or sample. */
function runAxis(model: ReportModel): ChartOption['xAxis'] {
  const ends = [...phaseSpans(model).map((s) => s.to), ...Object.values(model.etcd.timeline).flatMap((pts) => pts.map((p) => p.offsetSec)), ...model.hosts.flatMap((h) => h.timeline.map((t) => t.offsetSec))];
  return { ...(secondsAxis('seconds since the run started', true) as object), max: Math.ceil(Math.max(1, ...ends)) } as ChartOption['xAxis'];
}

function memberSeries(etcd: EtcdHealth, pick: (p: EtcdPoint) => number | undefined, extra: object = {}): object[] {
  return Object.entries(etcd.timeline).map(([member, pts]) => ({
    type: 'line',
    name: member,
    // Sparse series (peer round trips are observed every few seconds) need their points shown.
    showSymbol: pts.filter((p) => pick(p) !== undefined).length <= 3,
    lineStyle: { width: 1.6 },
    data: pts.map((p) => [p.offsetSec, pick(p)] as [number, number | undefined]).filter((d): d is Pair => d[1] !== undefined),
    ...extra,
  }));
}

function withSpans(series: object[], model: ReportModel, threshold?: object): object[] {
  const first = series[0];
  if (first) Object.assign(first, { markArea: spans(phaseSpans(model)), ...(threshold ? { markLine: threshold } : {}) });
  return series;
}

/**
 * A duration histogram's p99 per scrape interval and member, with etcd's threshold in red. The verdict
 * (and the table) judge each phase's p99; a one-second spike above the line that no phase's p99 reaches
 * is said to be a spike in words, so the chart and the table never seem to disagree.
 */
function p99Chart(model: ReportModel, title: string, pick: (p: EtcdPoint) => number | undefined, windowP99: (w: EtcdWindow) => number | undefined, limitMs: number, what: string): ChartOption {
  const series = withSpans(memberSeries(model.etcd, pick), model, thresholdLine(limitMs, `${limitMs} ms`));
  const values = series.flatMap((s) => (s as { data: Pair[] }).data.map((d) => d[1]));
  const worst = values.length ? Math.max(...values) : undefined;
  const windows = [...model.etcd.run, ...model.phases.flatMap((p) => p.etcd)];
  const flagged = windows.some((w) => (windowP99(w) ?? 0) > limitMs);
  const sub =
    worst === undefined
      ? `no ${what} observed`
      : flagged
        ? `ABOVE ${limitMs} ms over a whole phase or the run (worst second ${worst.toFixed(1)} ms): flagged`
        : worst > limitMs
          ? `one-second spikes up to ${worst.toFixed(1)} ms; every phase's p99 stayed under ${limitMs} ms: not flagged`
          : `worst ${worst.toFixed(2)} ms, under ${limitMs} ms`;
  return {
    ...frame(title, `p99 per scrape interval from bucket deltas; ${sub}`, flagged),
    xAxis: runAxis(model),
    yAxis: valueAxis('ms', { min: 0 }),
    series,
  } as ChartOption;
}

export const fsyncChart = (m: ReportModel): ChartOption => p99Chart(m, 'etcd: WAL fsync p99', (p) => p.fsyncP99Ms, (w) => w.fsyncP99Ms, m.etcd.thresholds.fsyncP99Ms, 'fsync');
export const commitChart = (m: ReportModel): ChartOption => p99Chart(m, 'etcd: backend commit p99', (p) => p.commitP99Ms, (w) => w.commitP99Ms, m.etcd.thresholds.commitP99Ms, 'commit');

/** Leader changes since the run started (any rise is flagged) and proposals pending. */
export function raftChart(m: ReportModel): ChartOption {
  const changes = memberSeries(m.etcd, (p) => p.leaderChanges, { step: 'end', lineStyle: { width: 2 } });
  const pending = memberSeries(m.etcd, (p) => p.proposalsPending, { yAxisIndex: 1, lineStyle: { width: 1, type: 'dashed' } }).map((s) => ({ ...s, name: `${(s as { name: string }).name} pending` }));
  const total = Math.max(0, ...changes.flatMap((s) => (s as { data: Pair[] }).data.map((d) => d[1])));
  return {
    ...frame('etcd: leader changes and proposals pending', total > 0 ? `${total} leader change(s) during the run: flagged` : 'no leader change during the run', total > 0),
    xAxis: runAxis(m),
    yAxis: [valueAxis('leader changes', { min: 0 }), valueAxis('pending', { position: 'right', min: 0 })],
    series: withSpans([...changes, ...pending], m),
  } as ChartOption;
}

/** Database size (MB) and the etcd process's CPU (cores) per member. */
export function resourcesChart(m: ReportModel): ChartOption {
  const db = memberSeries(m.etcd, (p) => (p.dbSizeBytes === undefined ? undefined : round3(p.dbSizeBytes / 1024 / 1024))).map((s) => ({ ...s, name: `${(s as { name: string }).name} db MB` }));
  const cpu = memberSeries(m.etcd, (p) => p.cpuCores, { yAxisIndex: 1, lineStyle: { width: 1, type: 'dashed' } }).map((s) => ({ ...s, name: `${(s as { name: string }).name} CPU` }));
  return {
    ...frame('etcd: database size and CPU', 'db size in MB (solid), etcd process CPU in cores (dashed)'),
    xAxis: runAxis(m),
    yAxis: [valueAxis('MB', { min: 0 }), valueAxis('cores', { position: 'right', min: 0 })],
    series: withSpans([...db, ...cpu], m),
  } as ChartOption;
}

/** Peer round trip p99 (only for clusters of several members). */
export function peerRttChart(m: ReportModel): ChartOption | undefined {
  const series = memberSeries(m.etcd, (p) => p.peerRttP99Ms);
  if (!series.some((s) => (s as { data: Pair[] }).data.length)) return undefined;
  return { ...frame('etcd: peer round trip p99', 'to every other member together, ms'), xAxis: runAxis(m), yAxis: valueAxis('ms', { min: 0 }), series: withSpans(series, m) } as ChartOption;
}

/** Host CPU, steal and the busiest foreign process over the run, one chart per host. */
export function hostChart(m: ReportModel, h: HostHealth): ChartOption {
  const pick = (k: 'cpuPct' | 'stealPct' | 'foreignCpuPct'): Pair[] => h.timeline.filter((t) => t[k] !== undefined).map((t) => [t.offsetSec, t[k] as number]);
  const series = withSpans(
    [
      { type: 'line', name: 'CPU busy %', showSymbol: false, data: pick('cpuPct') },
      { type: 'line', name: 'steal %', showSymbol: false, color: RED, data: pick('stealPct') },
      { type: 'line', name: `busiest foreign process %${h.busiestForeign ? ` (${h.busiestForeign.name.slice(0, 24)})` : ''}`, showSymbol: false, color: AMBER, data: pick('foreignCpuPct') },
    ],
    m,
  );
  return { ...frame(`host ${h.host}`, h.flags.length ? h.flags.map((f) => f.message).join('; ') : 'no steal or noisy neighbour seen', h.flags.some((f) => f.level === 'bad')), xAxis: runAxis(m), yAxis: valueAxis('%', { min: 0 }), series } as ChartOption;
}

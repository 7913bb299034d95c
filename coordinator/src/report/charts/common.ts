import type { ChartOption } from './ssr.js';

/** Colours that stay apart for up to ten series and print well; red and amber are kept for flags. */
export const PALETTE = ['#2f6db5', '#3a9a5b', '#8d5fc7', '#d07c2a', '#4bb3c4', '#a3476b', '#6d7f2b', '#5c5c8a', '#c4a020', '#7a4b2a'];
export const RED = '#c62828';
export const AMBER = '#ef8f00';
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export type Pair = [number, number];

/** The frame every chart shares: title, legend on top, a grid with room for axis names; `alert` reddens the subtitle. */
export function frame(title: string, subtitle?: string, alert = false): ChartOption {
  return {
    color: PALETTE,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: { text: title, ...(subtitle ? { subtext: subtitle } : {}), left: 8, top: 4, textStyle: { fontSize: 14, fontFamily: FONT }, subtextStyle: { fontSize: 11, fontFamily: FONT, color: alert ? RED : '#555' } },
    legend: { top: 6, right: 10, textStyle: { fontSize: 11, fontFamily: FONT } },
    grid: { left: 70, right: 70, top: subtitle ? 80 : 60, bottom: 46 },
  };
}

/** Seconds on x: tight to the data within a phase, from 0 (the run's start) on run-wide charts. */
export function secondsAxis(name = 'seconds', fromZero = false): ChartOption['xAxis'] {
  return { type: 'value', name, nameLocation: 'middle', nameGap: 26, ...(fromZero ? { min: 0 } : { min: 'dataMin', max: 'dataMax' }), axisLabel: { fontSize: 10 } };
}

export function valueAxis(name: string, opts: { log?: boolean; position?: 'left' | 'right'; min?: number } = {}): NonNullable<ChartOption['yAxis']> {
  return {
    type: opts.log ? 'log' : 'value',
    name,
    nameTextStyle: { fontSize: 11 },
    position: opts.position ?? 'left',
    ...(opts.min !== undefined ? { min: opts.min } : {}),
    splitLine: { show: opts.position !== 'right' },
    axisLabel: { fontSize: 10 },
  };
}

/** A log axis needs positive values and some spread to be worth it. */
export function wantsLog(values: readonly number[]): boolean {
  const pos = values.filter((v) => v > 0);
  if (pos.length < 2) return false;
  return Math.max(...pos) / Math.min(...pos) > 50;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
export const usToMs = (us: number): number => round3(us / 1000);

/** A horizontal threshold line, in red, labelled with its value. */
export function thresholdLine(value: number, label: string): object {
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { color: RED, type: 'dashed', width: 1.5 },
    label: { formatter: label, color: RED, fontSize: 10, position: 'insideEndTop' },
    data: [{ yAxis: value }],
  };
}

/** Shaded spans (warm-up, phases) as a mark area on a series. */
export function spans(list: { from: number; to: number; label?: string; itemStyle?: { color: string } }[], color = 'rgba(120,120,120,0.10)'): object | undefined {
  if (list.length === 0) return undefined;
  return {
    silent: true,
    itemStyle: { color },
    label: { fontSize: 9, color: '#555', position: 'insideTop' },
    data: list.map((s) => [{ xAxis: s.from, ...(s.label ? { name: s.label } : {}), ...(s.itemStyle ? { itemStyle: s.itemStyle } : {}) }, { xAxis: s.to }]),
  };
}

/** Points a chart's series hold with a value (nulls and gaps left out): what the page says it drew. */
export function dataPoints(option: ChartOption): number {
  const series = seriesOf(option) as { data?: unknown[] }[];
  const has = (d: unknown): boolean => (Array.isArray(d) ? d[d.length - 1] !== null && d[d.length - 1] !== undefined : d !== null && d !== undefined);
  return series.reduce((a, s) => a + (s.data ?? []).filter(has).length, 0);
}

/** A chart's series as a list (echarts takes one series or many). */
export const seriesOf = (option: ChartOption): readonly object[] => (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []);

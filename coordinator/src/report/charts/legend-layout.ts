import type { EChartsOption } from 'echarts';
import { seriesOf } from './common.js';

/** Pixels a legend entry takes at 11 px: the symbol, its gap, the text (DejaVu Sans averages ~6.6 px a character). */
const ENTRY_PX = (name: string): number => 25 + 10 + Math.ceil(name.length * 6.6);
const ROW_PX = 20;

/** Names the legend shows: its own `data`, else every named series (echarts' default), once each. */
function legendNames(option: EChartsOption): string[] {
  const legend = option.legend as { data?: (string | { name: string })[] } | undefined;
  if (legend?.data) return legend.data.map((d) => (typeof d === 'string' ? d : d.name));
  const series = seriesOf(option) as { name?: string }[];
  return [...new Set(series.map((s) => s.name).filter((n): n is string => typeof n === 'string'))];
}

/** How many rows the entries fill in `width` pixels, wrapping as echarts does (whole entries only). */
export function legendRows(names: readonly string[], width: number): number {
  if (names.length === 0) return 0;
  let rows = 1;
  let used = 0;
  for (const n of names) {
    const w = ENTRY_PX(n);
    if (used > 0 && used + w > width) {
      rows++;
      used = 0;
    }
    used += w;
  }
  return rows;
}

/**
 * Puts the legend of a chart under its plot, across the whole width, and makes the chart taller by the
 * rows it needs: a legend beside the title overlapped it as soon as a phase had a few ops (seen with the
 * kubernetes preset's 15). Pure; charts without a legend or without named series are returned as they are.
 */
export function fitLegend(option: EChartsOption, size: { width: number; height: number }): { option: EChartsOption; height: number } {
  // Multi-panel charts (compare) lay out their own legend under their grids.
  if (Array.isArray(option.grid)) return { option, height: size.height };
  const legend = option.legend as Record<string, unknown> | undefined;
  const names = legendNames(option);
  if (!legend || legend.show === false || names.length === 0) return { option, height: size.height };
  const rows = legendRows(names, size.width - 40);
  const extra = rows * ROW_PX + 8;
  const grid = (option.grid ?? {}) as Record<string, unknown>;
  const bottom = typeof grid.bottom === 'number' ? grid.bottom : 46;
  return {
    option: {
      ...option,
      legend: { ...legend, top: undefined, right: undefined, left: 'center', bottom: 6, width: size.width - 40, itemGap: 10, type: 'plain' },
      grid: { ...grid, bottom: bottom + extra },
    },
    height: size.height + extra,
  };
}

import { createRequire } from 'node:module';
import type * as EChartsModule from 'echarts';
import type { EChartsOption } from 'echarts';
import { fitLegend } from './legend-layout.js';

// echarts takes about a second to load: load it on the first chart, not whenever the CLI starts.
const requireEcharts = createRequire(import.meta.url);
let loaded: typeof EChartsModule | undefined;
const echartsLib = (): typeof EChartsModule => (loaded ??= requireEcharts('echarts') as typeof EChartsModule);

export type ChartOption = EChartsOption;

export interface ChartSize {
  width: number;
  height: number;
}

/**
 * zrender numbers the ids and classes of every SVG it renders from process-wide counters (zr0-c0,
 * zr3-cls-5): the same chart would come out different depending on what was rendered before it, and
 * charts inlined in one page could collide. Each token is renamed after the chart's own prefix, in
 * order of first appearance: deterministic and unique within a document.
 */
export function renumberSvgIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  return svg.replace(/\bzr\d+-[A-Za-z]+-?\d+\b/g, (token) => {
    let name = names.get(token);
    if (!name) names.set(token, (name = `${prefix}-${names.size}`));
    return name;
  });
}

/**
 * Renders a chart to an SVG string with echarts' server-side renderer. Animation is off and the
 * instance is disposed at once: a live instance keeps timers that would hold the process open.
 */
export function renderChartSvg(option: ChartOption, size: ChartSize, idPrefix: string): string {
  const laid = fitLegend(option, size);
  const chart = echartsLib().init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: laid.height });
  try {
    chart.setOption({ ...laid.option, animation: false });
    return renumberSvgIds(chart.renderToSVGString(), idPrefix);
  } finally {
    chart.dispose();
  }
}

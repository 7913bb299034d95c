import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { renderChartSvg } from '../charts/ssr.js';
import { writeReport } from '../write-report.js';
import { comparisonChart } from './charts.js';
import { buildComparison, type CompareModel } from './model.js';
import { renderCompareHtml, renderCompareMarkdown } from './render.js';

export const COMPARE_CHART = { width: 1200, height: 860 } as const;

/** An SVG to PNG, white background, with the system's fonts (DejaVu on Debian); 2x for sharing. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, { background: '#ffffff', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

export interface WrittenComparison {
  model: CompareModel;
  dir: string;
  files: string[];
}

/**
 * Compares results folders: rebuilds each one's report from its raw data (so the figures compared are the
 * ones its report shows), then writes compare.html, compare.md, compare.json and compare.png to `out`.
 */
export function writeComparison(dirs: readonly string[], out: string, onProgress?: (m: string) => void): WrittenComparison {
  const models = dirs.map((d, i) => {
    onProgress?.(`[${i + 1}/${dirs.length}] rebuilding the report of ${d}`);
    return { model: writeReport(d).model, dir: resolve(d) };
  });
  const model = buildComparison(models);
  onProgress?.('rendering the comparison charts');
  const svg = renderChartSvg(comparisonChart(model), COMPARE_CHART, 'cmp');
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const files: [string, string | Buffer][] = [
    ['compare.html', renderCompareHtml(model, svg)],
    ['compare.md', renderCompareMarkdown(model)],
    ['compare.json', JSON.stringify(model, null, 2) + '\n'],
    ['compare.png', svgToPng(svg)],
  ];
  for (const [name, data] of files) writeFileSync(join(dir, name), data);
  return { model, dir, files: files.map(([n]) => join(dir, n)) };
}

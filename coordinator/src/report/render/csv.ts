import type { ReportModel } from '../model/types.js';
import { slug } from './html-parts.js';

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
export function csvField(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (fields: (string | number | undefined)[]): string => fields.map(csvField).join(',') + '\n';

/**
 * One CSV per phase and op (and `all`) in HdrHistogram's own percentile CSV layout
 * (`"Value","Percentile","TotalCount","1/(1-Percentile)"`), values in milliseconds, so that its plotting
 * tools read them. File name: percentiles_<phase>_<op>.csv.
 */
export function percentileCsvs(model: ReportModel): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const p of model.phases)
    for (const [op, points] of Object.entries(p.percentiles)) {
      if (points.length === 0) continue;
      let text = '"Value","Percentile","TotalCount","1/(1-Percentile)"\n';
      for (const pt of points) {
        const q = pt.percentile / 100;
        text += `${(pt.valueUs / 1000).toFixed(3)},${q.toFixed(12)},${pt.totalCount},${q >= 1 ? 'Infinity' : (1 / (1 - q)).toFixed(2)}\n`;
      }
      out.push({ name: `percentiles_${slug(p.name)}_${slug(op)}.csv`, text });
    }
  return out;
}

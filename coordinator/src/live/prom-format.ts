/**
 * Writing the Prometheus text exposition format (0.0.4): one family at a time, its HELP and TYPE lines
 * first, then its samples. Pure.
 */
export type PromKind = 'counter' | 'gauge' | 'histogram';
export type Labels = Record<string, string>;

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A label name from elsewhere (etcd's `To`) made valid and lower case. */
export const labelName = (n: string): string => n.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z_]/, '_$&').toLowerCase();

export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

export class PromWriter {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  /** Declares a family; all its samples follow before the next family (the format wants them together). */
  family(name: string, kind: PromKind, help: string): this {
    if (this.declared.has(name)) return this;
    this.declared.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${kind}`);
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    this.lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  /** A histogram's series: cumulative buckets (ending with +Inf), _sum and _count. */
  histogram(name: string, labels: Labels, h: { buckets: readonly { le: number; count: number }[]; sum: number; count: number }): this {
    for (const b of h.buckets) this.sample(`${name}_bucket`, { ...labels, le: formatValue(b.le) }, b.count);
    this.sample(`${name}_sum`, labels, h.sum);
    return this.sample(`${name}_count`, labels, h.count);
  }

  text(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }
}

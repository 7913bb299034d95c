/**
 * A parser for the Prometheus text exposition format (version 0.0.4), the format of etcd's /metrics.
 * Pure: text in, families out. Lines it cannot read are reported, not thrown, so that one odd line in a
 * scrape never loses the rest of it.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  /** The sample's own name, e.g. `etcd_disk_wal_fsync_duration_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: PromType;
  help?: string;
  samples: PromSample[];
}

export interface ParseResult {
  families: Map<string, PromFamily>;
  /** `line N: why` for each line that could not be read. */
  errors: string[];
}

const TYPES = new Set<PromType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
function familyOf(sample: string, declared: Map<string, PromType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const t = declared.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return sample;
}

export function parseNumber(text: string): number | undefined {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="x",b="y"}` from the start of `s`; returns the labels and the rest of the line. */
function parseLabels(s: string): { labels: Record<string, string>; rest: string } | string {
  const labels: Record<string, string> = {};
  let i = 1; // past '{'
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const m = LABEL_NAME.exec(s.slice(i));
    if (!m) return 'bad label name';
    i += m[0].length;
    while (s[i] === ' ') i++;
    if (s[i] !== '=' || s[i + 1] !== '"') return `label ${m[0]} has no quoted value`;
    i += 2;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) return `unterminated value of label ${m[0]}`;
      if (c === '"') break;
      if (c === '\\') {
        const n = s[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[m[0]] = value;
    i++;
  }
}

/**
 * Parses exposition text. With `only`, samples of other families are skipped before their labels are
 * read (etcd serves ~150 KB per scrape; we keep a few families).
 */
export function parsePrometheusText(text: string, only?: (family: string) => boolean): ParseResult {
  const declared = new Map<string, PromType>();
  const families = new Map<string, PromFamily>();
  const errors: string[] = [];
  const familyFor = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: declared.get(name) ?? 'untyped', samples: [] }));
    return f;
  };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
      if (!m) continue; // an ordinary comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (kind === 'TYPE') {
        if (!TYPES.has(rest as PromType)) {
          errors.push(`line ${n + 1}: unknown type "${rest}"`);
          continue;
        }
        declared.set(name, rest as PromType);
        const f = families.get(name);
        if (f) f.type = rest as PromType;
      } else if (!only || only(name)) familyFor(name).help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      continue;
    }
    const nm = NAME.exec(line);
    if (!nm) {
      errors.push(`line ${n + 1}: no metric name`);
      continue;
    }
    const sampleName = nm[0];
    const family = familyOf(sampleName, declared);
    if (only && !only(family)) continue;
    let rest = line.slice(sampleName.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest);
      if (typeof parsed === 'string') {
        errors.push(`line ${n + 1}: ${parsed}`);
        continue;
      }
      labels = parsed.labels;
      rest = parsed.rest;
    }
    const fields = rest.trim().split(/\s+/);
    const value = fields[0] === undefined ? undefined : parseNumber(fields[0]);
    if (value === undefined || fields.length > 2) {
      errors.push(`line ${n + 1}: bad value "${rest.trim()}"`);
      continue;
    }
    familyFor(family).samples.push({ name: sampleName, labels, value });
  }
  return { families, errors };
}

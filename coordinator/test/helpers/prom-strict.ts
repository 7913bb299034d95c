/**
 * A strict reader of the Prometheus text format for the live view's tests: unlike the lenient parser
 * the scraper uses, any line it cannot read, a sample before its family's TYPE, a family split in two,
 * a series given twice, or a histogram whose buckets are not cumulative or whose +Inf is not its _count
 * is an error thrown at once.
 */
export interface StrictSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface StrictFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  samples: StrictSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const VALUE = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[+-]Inf|NaN)$/;

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`line ${line}: bad labels {${text}}`);
    const [, k, raw] = m as unknown as [string, string, string];
    if (k in labels) throw new Error(`line ${line}: label ${k} twice`);
    labels[k] = raw.replace(/\\(["\\n])/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  return labels;
}

const numberOf = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

export function parseStrict(text: string): Map<string, StrictFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, StrictFamily>();
  let current: StrictFamily | undefined;
  let help: { name: string; text: string } | undefined;
  const seen = new Set<string>();
  text.split('\n').slice(0, -1).forEach((line, i) => {
    const n = i + 1;
    let m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (m) {
      if (families.has(m[1] as string)) throw new Error(`line ${n}: family ${m[1]} declared again`);
      help = { name: m[1] as string, text: m[2] as string };
      return;
    }
    m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram)$`).exec(line);
    if (m) {
      if (!help || help.name !== m[1]) throw new Error(`line ${n}: TYPE of ${m[1]} without its HELP just before`);
      current = { name: m[1] as string, type: m[2] as StrictFamily['type'], help: help.text, samples: [] };
      families.set(current.name, current);
      return;
    }
    m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) throw new Error(`line ${n}: not a sample: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    if (!current) throw new Error(`line ${n}: sample before any TYPE`);
    const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (!suffixes.some((s) => name === current?.name + s)) throw new Error(`line ${n}: ${name} is not of family ${current.name} (families must not be split)`);
    if (!VALUE.test(value)) throw new Error(`line ${n}: bad value ${value}`);
    const labels = labelText ? parseLabels(labelText, n) : {};
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${n}: series given twice: ${line}`);
    seen.add(key);
    current.samples.push({ name, labels, value: numberOf(value) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Per series (labels without le): buckets ascending and cumulative, +Inf last and equal to _count. */
function checkHistogram(f: StrictFamily): void {
  const series = new Map<string, { buckets: { le: number; count: number }[]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let x = series.get(key);
    if (!x) series.set(key, (x = { buckets: [] }));
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      x.buckets.push({ le: numberOf(le), count: s.value });
    } else if (s.name.endsWith('_count')) x.count = s.value;
    else x.sum = s.value;
  }
  for (const [key, x] of series) {
    if (x.count === undefined || x.sum === undefined) throw new Error(`${f.name}${key}: no _count or _sum`);
    if (x.buckets.at(-1)?.le !== Infinity) throw new Error(`${f.name}${key}: the last bucket is not +Inf`);
    x.buckets.forEach((b, i) => {
      const prev = x.buckets[i - 1];
      if (prev && (b.le <= prev.le || b.count < prev.count)) throw new Error(`${f.name}${key}: buckets not ascending and cumulative at le=${b.le}`);
    });
    if (x.buckets.at(-1)?.count !== x.count) throw new Error(`${f.name}${key}: +Inf ${x.buckets.at(-1)?.count} != _count ${x.count}`);
  }
}

/** The value of one series of a family, labels matched exactly. */
export function valueOf(families: Map<string, StrictFamily>, name: string, labels: Record<string, string>): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  const want = JSON.stringify(Object.entries(labels).sort());
  return family?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}

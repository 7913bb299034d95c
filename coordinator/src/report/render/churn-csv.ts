import { decodeInterval, OpAccumulator } from '../model/hist.js';
import type { RawInterval, RawPhase, RawRun } from '../raw/types.js';
import { csvLine } from './csv.js';

/**
 * Rows in the microservice platform's etcd-driver `churn_results.csv` layout, so that spreadsheets built
 * on it keep working: `test,startTime,duration (ms)`, its 38 statistics in its order, then its flags in
 * its (alphabetical) order. `pattern-ramp` rows are warm-up intervals, `pattern-interval` one per
 * interval, `pattern-summary` one per phase. Its means, minimums and maximums are read from the merged
 * histograms; what etcdlab does not measure (reconnects, bytes read) is left empty, not zero.
 */
export const CHURN_STATS = [
  'puts', 'puts/sec', 'deletes', 'deletes/sec', 'client deletes', 'client deletes/sec', 'gets', 'gets/sec', 'client gets', 'client gets/sec',
  'key space', 'errors', 'Puts mean RT(μs)', 'Puts min RT(μs)', 'Puts max RT(μs)', 'Dels mean RT(μs)', 'Dels min RT(μs)', 'Dels max RT(μs)',
  'Gets mean RT(μs)', 'Gets min RT(μs)', 'Gets max RT(μs)', 'Reconnects', 'Reconnect mean RT(μs)', 'Reconnect min RT(μs)', 'Reconnect max RT(μs)',
  'puts bytes/sec', 'gets bytes/sec', 'watchers', 'watch events', 'watch events/sec', 'prefix gets', 'prefix gets/sec', 'client prefix gets',
  'client prefix gets/sec', 'Prefix gets mean RT(μs)', 'Prefix gets min RT(μs)', 'Prefix gets max RT(μs)', 'prefix gets bytes/sec',
] as const;

export const CHURN_FLAGS = [
  'churn-level', 'churn-level-pct', 'churn-level-rate', 'churn-val-rate', 'client-timeout', 'clients', 'conns', 'do-not-exit', 'endpoints',
  'etcd-reconnect-count', 'file-comment', 'full-get-read', 'get-keys-only', 'get-level', 'get-rate', 'pattern', 'put-rate', 'serializable-gets',
  'skip-init', 'stats-interval', 'test-end-key', 'total', 'val-spec', 'verbose', 'watch-counts-per-level', 'watch-prefix-get-interval', 'watch-with-prefix',
] as const;

export const CHURN_HEADER = ['test', 'startTime', 'duration (ms)', ...CHURN_STATS, ...CHURN_FLAGS];

type Category = 'put' | 'del' | 'get' | 'prefix' | 'watch' | 'other';

/** Which etcd-driver column family an etcdlab op counts in. */
export function churnCategory(op: string): Category {
  if (op === 'watch-event' || op.startsWith('watch')) return 'watch';
  if (op === 'range' || /prefix|range|list/.test(op)) return 'prefix';
  if (op.includes('delete')) return 'del';
  if (op.includes('put') || op === 'create' || op === 'cas') return 'put';
  if (op.includes('get')) return 'get';
  return 'other';
}

type Accs = Record<Category, OpAccumulator> & { errors: number };
const newAccs = (): Accs => ({ put: new OpAccumulator(), del: new OpAccumulator(), get: new OpAccumulator(), prefix: new OpAccumulator(), watch: new OpAccumulator(), other: new OpAccumulator(), errors: 0 });

function addInterval(a: Accs, i: RawInterval): void {
  for (const op of i.ops) {
    const acc = a[churnCategory(op.op)];
    acc.add(op.count > 0 ? decodeInterval(op.histogram) : undefined, op.count, {});
    a.errors += Object.values(op.errors).reduce((x, y) => x + y, 0);
  }
}

const goTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
/** Go's time.Duration text for whole seconds and more: 5m0s, 1h0m0s, 10s. */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
}

type Spec = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function flags(raw: RawRun, phase: string, spec: Spec | undefined): (string | number | undefined)[] {
  const pat = (spec?.pattern ?? undefined) as Spec | undefined;
  const vs = pat?.valSpec as { min: number; max: number } | undefined;
  const size = num(spec?.valueSize);
  const sizeMax = num(spec?.valueSizeMax) ?? size;
  const bool = (v: unknown) => (typeof v === 'boolean' ? String(v) : undefined);
  const f: Record<(typeof CHURN_FLAGS)[number], string | number | undefined> = {
    'churn-level': num(pat?.churnLevel),
    'churn-level-pct': num(pat?.churnLevelPct),
    'churn-level-rate': num(pat?.churnLevelRate),
    'churn-val-rate': num(pat?.churnValRate),
    'client-timeout': num(spec?.deadlineMs) === undefined ? undefined : Math.round((spec?.deadlineMs as number) / 1000),
    clients: num(spec?.clients),
    conns: num(spec?.connections),
    'do-not-exit': undefined,
    endpoints: raw.cluster.endpoints.join(','),
    'etcd-reconnect-count': undefined,
    'file-comment': `${raw.runId}/${phase}`,
    'full-get-read': undefined,
    'get-keys-only': bool(pat?.getKeysOnly),
    'get-level': num(pat?.getLevel),
    'get-rate': num(pat?.getRate),
    pattern: typeof pat?.spec === 'string' ? pat.spec : undefined,
    'put-rate': num(pat?.putRate),
    'serializable-gets': bool(pat?.serializableGets),
    'skip-init': bool(pat?.skipInit),
    'stats-interval': raw.intervalMs / 1000,
    'test-end-key': undefined,
    total: num(pat?.total) ?? num(spec?.total),
    'val-spec': vs ? `${vs.min},${vs.max}` : size !== undefined ? `${size},${sizeMax}` : undefined,
    verbose: undefined,
    'watch-counts-per-level': Array.isArray(pat?.watchCountsPerLevel) ? (pat.watchCountsPerLevel as unknown[]).join(',') : undefined,
    'watch-prefix-get-interval': num(pat?.watchPrefixGetIntervalMs) === undefined ? undefined : goDuration(pat?.watchPrefixGetIntervalMs as number),
    'watch-with-prefix': bool(pat?.watchWithPrefix),
  };
  return CHURN_FLAGS.map((k) => f[k]);
}

function statRow(a: Accs, seconds: number, spec: Spec | undefined): (string | number | undefined)[] {
  const r4 = (n: number) => (seconds > 0 ? n / seconds : 0).toFixed(4);
  const rt = (acc: OpAccumulator) => (acc.count ? [Math.trunc(acc.histogram.mean), acc.histogram.minNonZeroValue, acc.histogram.maxValue] : [0, 0, 0]);
  const keys = spec?.keys as { space?: number } | undefined;
  const fixedSize = num(spec?.valueSize) !== undefined && num(spec?.valueSize) === (num(spec?.valueSizeMax) ?? num(spec?.valueSize)) ? (spec?.valueSize as number) : undefined;
  const watch = spec?.watch as { streams?: number; watchersPerStream?: number } | undefined;
  return [
    a.put.count, r4(a.put.count), a.del.count, r4(a.del.count), a.del.count, r4(a.del.count), a.get.count, r4(a.get.count), a.get.count, r4(a.get.count),
    keys?.space, a.errors, ...rt(a.put), ...rt(a.del), ...rt(a.get),
    undefined, undefined, undefined, undefined,
    fixedSize === undefined || seconds <= 0 ? undefined : ((a.put.count * fixedSize) / seconds).toFixed(2), undefined,
    watch ? (watch.streams ?? 1) * (watch.watchersPerStream ?? 1) : 0, a.watch.count, r4(a.watch.count),
    a.prefix.count, r4(a.prefix.count), a.prefix.count, r4(a.prefix.count), ...rt(a.prefix), undefined,
  ];
}

/** The whole churn_results.csv of a run: header, then for each phase its ramp, interval and summary rows. */
export function renderChurnCsv(raw: RawRun): string {
  let out = csvLine(CHURN_HEADER);
  for (const phase of raw.phases) out += phaseRows(raw, phase);
  return out;
}

function phaseRows(raw: RawRun, phase: RawPhase): string {
  const spec = raw.workload.phases.find((p) => p.name === phase.name) as Spec | undefined;
  const fl = flags(raw, phase.name, spec);
  const intervals = raw.intervals.filter((i) => i.phase === phase.name);
  const slots = new Map<number, RawInterval[]>();
  for (const i of intervals) {
    const k = Math.round((i.startMs - phase.startedAtMs) / raw.intervalMs);
    slots.set(k, [...(slots.get(k) ?? []), i]);
  }
  const total = newAccs();
  let out = '';
  for (const [k, list] of [...slots].sort(([a], [b]) => a - b)) {
    const a = newAccs();
    for (const i of list) addInterval(a, i);
    const warm = list.some((i) => i.warmup);
    if (!warm) for (const i of list) addInterval(total, i);
    // etcd-driver stamps an interval row with the tick that closed it.
    const end = phase.startedAtMs + (k + 1) * raw.intervalMs;
    out += csvLine([warm ? 'pattern-ramp' : 'pattern-interval', goTime(end), raw.intervalMs, ...statRow(a, raw.intervalMs / 1000, spec), ...fl]);
  }
  out += csvLine(['pattern-summary', goTime(phase.startedAtMs), Math.round(phase.durationMs), ...statRow(total, phase.durationMs / 1000, spec), ...fl]);
  return out;
}

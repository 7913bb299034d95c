import { formatDurationMs } from '../duration.js';
import { parsePattern } from '../patterns/parse.js';
import { patternCounts } from '../patterns/tree.js';
import { faultWindows } from './faults.js';
import { RateSchedule } from './ramp.js';
import type { PatternLoadSpec, PhaseSpec, Workload } from './spec.js';

/** Expected rate of one kind of request; perSec undefined = set by etcd's latency (closed loop). */
export interface ExpectedRate {
  op: string;
  perSec?: number;
  note?: string;
}

export interface PatternLevelInfo {
  level: number;
  source: string;
  /** Segments under one parent. */
  count: number;
  /** Prefixes (nodes) at this level for one driver; at the last level, the keys. */
  prefixes: number;
}

export interface PhaseExplanation {
  name: string;
  kind: 'ops' | 'pattern';
  loop: string;
  bound: string;
  clients: number;
  connections: number;
  rates: ExpectedRate[];
  /** The fault timeline: one line per window, in time order (docs/faults.md). */
  faults?: string[];
  watchers?: number;
  pattern?: { source: string; drivers: number; keysPerDriver: number; keys: number; levels: PatternLevelInfo[]; values: string };
}

const HOUR = 3600;

function opsRates(p: PhaseSpec): ExpectedRate[] {
  const entries = Object.entries(p.ops);
  const sum = entries.reduce((a, [, o]) => a + o.weight, 0);
  const rate = p.rate === undefined ? undefined : p.rateStages ? new RateSchedule(p.rate, p.rateStages) : undefined;
  const out: ExpectedRate[] = entries.map(([op, o]) => {
    const share = o.weight / sum;
    if (p.rate === undefined) return { op, note: `${(share * 100).toFixed(1)}% of a closed loop` };
    if (!rate) return { op, perSec: p.rate * share };
    const last = p.rateStages?.at(-1)?.target ?? p.rate;
    return { op, perSec: last * share, note: `ramp ${fmt(p.rate * share)} -> ${fmt(last * share)}/s over ${rate.stagesMs / 1000}s` };
  });
  if (p.watch) {
    const watchers = p.watch.streams * p.watch.watchersPerStream;
    const writes = ['put', 'delete', 'txn-put', 'cas', 'create', 'cas-delete', 'put-lease', 'delete-range'];
    const w = out.filter((r) => writes.includes(p.ops[r.op]?.op ?? '')).reduce((a, r) => a + (r.perSec ?? 0), 0);
    const fanout = p.watch.on === 'prefix' ? watchers : watchers / Math.max(1, p.keys.space);
    out.push(p.rate === undefined ? { op: 'watch-event', note: `every write to the prefix, times ${fmt(fanout)} watcher(s)` } : { op: 'watch-event', perSec: w * fanout });
  }
  return out;
}

/** The pattern's level table and the driver's load per second, summed over every driver. */
export function explainPattern(pat: PatternLoadSpec): { info: NonNullable<PhaseExplanation['pattern']>; rates: ExpectedRate[]; watchers: number } {
  const parsed = parsePattern(pat.spec, pat.valSpec);
  const { perLevel, keys } = patternCounts(parsed);
  const levels = parsed.levels.map((l, i) => ({ level: i, source: l.source, count: l.count, prefixes: perLevel[i] as number }));
  const d = pat.drivers;
  const perSec = (perHour: number): number => (perHour * d) / HOUR;
  const rates: ExpectedRate[] = [];
  const initKeys = Math.min(pat.total ?? keys, keys);
  if (!pat.skipInit && pat.putRate >= 0) {
    rates.push(pat.putRate === 0 ? { op: 'init-put', note: `${initKeys * d} keys as fast as the clients go` } : { op: 'init-put', perSec: perSec(pat.putRate), note: `${initKeys * d} keys in ${fmt((initKeys * HOUR) / pat.putRate)}s` });
  }
  if (pat.churnValRate >= 0) rates.push(pat.churnValRate === 0 ? { op: 'churn-val', note: 'unlimited' } : { op: 'churn-val', perSec: perSec(pat.churnValRate) });
  if (pat.churnLevelRate >= 0) {
    const prefixes = perLevel[pat.churnLevel] ?? 1;
    const churned = Math.floor((prefixes * pat.churnLevelPct) / 100);
    const leaves = keys / prefixes;
    const note = `${churned} of ${prefixes} level-${pat.churnLevel} prefixes deleted one per tick, then put back (${leaves} keys each)`;
    if (pat.churnLevelRate === 0) rates.push({ op: 'churn-delete', note: `unlimited; ${note}` });
    else rates.push({ op: 'churn-delete', perSec: perSec(pat.churnLevelRate) / 2, note }, { op: 'churn-put', perSec: (perSec(pat.churnLevelRate) / 2) * leaves });
  }
  if (pat.getRate >= 0) {
    const leaves = keys / (perLevel[pat.getLevel] ?? 1);
    rates.push(pat.getRate === 0 ? { op: 'get-level', note: 'unlimited' } : { op: 'get-level', perSec: perSec(pat.getRate), note: `${leaves} key(s) per get at level ${pat.getLevel}` });
  }
  const watchers = pat.watchCountsPerLevel.reduce<number>((a, c, l) => a + (c === 'n' ? (perLevel[l] ?? 0) : c), 0) * d;
  if (watchers > 0 && pat.watchPrefixGetIntervalMs > 0) rates.push({ op: 'prefix-get', perSec: watchers / (pat.watchPrefixGetIntervalMs / 1000) });
  if (pat.leases) {
    const grants = (pat.leases.active * d) / (pat.leases.ttlMs / 1000);
    rates.push({ op: 'lease-grant', perSec: grants, note: `${pat.leases.active * d} leases kept active` }, { op: 'put-lease', perSec: grants });
  }
  const v = parsed.value;
  const values = v.kind === 'digits' ? `digit strings of ${v.min} to ${v.max} characters (val-spec)` : v.kind === 'bytes' ? `${v.size} random bytes` : `matching ${v.regex}`;
  return { info: { source: pat.spec, drivers: d, keysPerDriver: keys, keys: keys * d, levels, values }, rates, watchers };
}

export function explainPhase(p: PhaseSpec): PhaseExplanation {
  const bound = [p.total !== undefined ? `${p.total} ops` : '', p.durationMs !== undefined ? formatDurationMs(p.durationMs) : '', p.warmupMs ? `after ${formatDurationMs(p.warmupMs)} of warm-up` : ''].filter(Boolean).join(', ');
  const base = { name: p.name, clients: p.clients, connections: p.connections };
  if (p.pattern) {
    const x = explainPattern(p.pattern);
    return { ...base, kind: 'pattern', loop: 'open (per-hour rates)', bound: bound || 'until the initial load is done', rates: x.rates, watchers: x.watchers, pattern: x.info };
  }
  const loop = p.rate === undefined ? `closed (${p.clients} clients)` : `open (${fmt(p.rate)} ops/s${p.rateStages ? ', ramped' : ''}, at most ${p.clients} in flight)`;
  return { ...base, kind: 'ops', loop, bound, rates: opsRates(p), ...(p.watch ? { watchers: p.watch.streams * p.watch.watchersPerStream } : {}), ...faultTimeline(p) };
}

/** "+5s  kill leader, started again at +10s" per window. */
function faultTimeline(p: PhaseSpec): { faults?: string[] } {
  if (!p.faults?.length || p.durationMs === undefined) return {};
  const at = (ms: number): string => `+${formatDurationMs(ms)}`;
  const undo: Record<string, string> = { kill: 'started again', stop: 'started again', pause: 'resumed', partition: 'healed', delay: 'removed', drop: 'removed' };
  const how = (l: NonNullable<(typeof p.faults)[number]['link']>): string => (l.cut ? ` from ${l.from === 'both' ? 'peers and clients' : l.from}` : l.delayMs ? ` of its peer traffic by ${formatDurationMs(l.delayMs)}${l.jitterMs ? ` ± ${formatDurationMs(l.jitterMs)}` : ''}` : ` ${Math.round(l.dropShare * 100)}% of its peer traffic`);
  const lines = faultWindows(p.faults, p.durationMs).map((w) => {
    const who = w.action === 'compact' ? 'the cluster (to the newest revision)' : w.action === 'move-leader' ? `to ${w.target === 'leader' || w.target === 'follower' ? 'a follower (chosen then)' : w.target}` : `${w.count > 1 ? `${w.count} ` : ''}${w.target}${w.count > 1 ? 's' : ''} (chosen then)`;
    return `${at(w.fromMs).padEnd(8)} ${w.action} ${who}${w.link ? how(w.link) : ''}${w.toMs !== undefined ? `, ${undo[w.action]} at ${at(w.toMs)}` : ''}`;
  });
  return { faults: lines };
}

export function explainWorkload(w: Workload): PhaseExplanation[] {
  return w.phases.map(explainPhase);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1);
}

import type { ParsedPhase } from './schema.js';
import type { OpName, OpSpec, RateInput } from './schema-fields.js';
import { PATTERN_DEFAULTS, type QuickPatternInput } from './schema-pattern.js';
import { toFaultSpec } from './faults.js';
import type { KeySpec, PatternLoadSpec, PhaseSpec, RateStage } from './spec.js';

const size = (s: number | { min: number; max: number }): { min: number; max: number } => (typeof s === 'number' ? { min: s, max: s } : s);

function rate(r: RateInput | undefined): { rate?: number; rateStages?: RateStage[] } {
  if (r === undefined) return {};
  if (typeof r === 'number') return { rate: r };
  return { rate: r.start, rateStages: r.stages.map((s) => ({ target: s.target, durationMs: s.duration })) };
}

function ops(p: ParsedPhase): Record<string, OpSpec> {
  const out: Record<string, OpSpec> = {};
  for (const [label, v] of Object.entries(p.ops ?? {})) {
    const spec: OpSpec = typeof v === 'number' ? { op: label as OpName, weight: v } : ({ ...v, op: v.op ?? (label as OpName) } as OpSpec);
    if (spec.weight > 0) out[label] = spec;
  }
  return out;
}

const LEASE_OPS: readonly OpName[] = ['lease-grant', 'lease-keepalive', 'lease-revoke', 'put-lease'];

/** `"1000,10000"` or `"n"` (val-spec) into a range of value lengths. */
export function parseValSpec(v: string | number | undefined): { min: number; max: number } | undefined {
  if (v === undefined) return undefined;
  const [a, b] = String(v).split(',').map((x) => Number(x.trim()));
  const min = a ?? 0;
  const max = b ?? min;
  // The driver's default "0,0" means "no val-spec": the leaf's regex decides.
  if (min === 0 && max === 0) return undefined;
  return { min: Math.min(min, max), max: Math.max(min, max) };
}

export function parseWatchCounts(v: string | (number | 'n')[] | undefined): (number | 'n')[] {
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : v.split(',').map((s) => s.trim());
  return items.map((s) => (s === 'n' ? 'n' : Number(s) || 0));
}

function pattern(p: ParsedPhase, q: QuickPatternInput | undefined, named: Record<string, string> | undefined): PatternLoadSpec | undefined {
  if (!p.pattern) return undefined;
  const base = { ...p.pattern, ...Object.fromEntries(Object.entries(q ?? {}).filter(([, v]) => v !== undefined)) };
  const d = PATTERN_DEFAULTS;
  const spec = base.spec ?? named?.[base.use ?? ''] ?? '';
  const valSpec = parseValSpec(base.valSpec);
  return {
    spec,
    ...(base.use ? { name: base.use } : {}),
    drivers: base.drivers ?? d.drivers,
    ...(base.total !== undefined ? { total: base.total } : {}),
    putRate: base.putRate ?? d.putRate,
    skipInit: base.skipInit ?? d.skipInit,
    ...(valSpec ? { valSpec } : {}),
    churnValRate: base.churnValRate ?? d.churnValRate,
    churnLevelRate: base.churnLevelRate ?? d.churnLevelRate,
    churnLevel: base.churnLevel ?? d.churnLevel,
    churnLevelPct: base.churnLevelPct ?? d.churnLevelPct,
    getRate: base.getRate ?? d.getRate,
    getLevel: base.getLevel ?? d.getLevel,
    serializableGets: base.serializableGets ?? d.serializableGets,
    getKeysOnly: base.getKeysOnly ?? d.getKeysOnly,
    watchCountsPerLevel: parseWatchCounts(base.watchCountsPerLevel),
    watchWithPrefix: base.watchWithPrefix ?? d.watchWithPrefix,
    watchPrefixGetIntervalMs: base.watchPrefixGetInterval ?? d.watchPrefixGetInterval,
    watchersPerStream: base.watchersPerStream ?? d.watchersPerStream,
    ...(base.leases && base.leases.active > 0 ? { leases: { active: base.leases.active, ttlMs: base.leases.ttl ?? d.leaseTtlMs } } : {}),
    absolute: base.absolute ?? d.absolute,
  };
}

/** Fills in every default and, with quick, the phase's quick overrides. */
export function resolvePhase(p: ParsedPhase, quick: boolean, named?: Record<string, string>): PhaseSpec {
  const q = quick ? p.quick : undefined;
  // In quick mode a phase's own total/duration yields to the override's; the two never mix.
  const bounded = q && (q.total !== undefined || q.duration !== undefined);
  const total = bounded ? q.total : p.total;
  const clients = q?.clients ?? p.clients;
  const connections = Math.min(q?.connections ?? p.connections ?? Math.min(clients, 10), clients);
  const r = rate(q?.rate ?? p.rate);
  const stagesMs = r.rateStages?.reduce((a, s) => a + s.durationMs, 0);
  // A ramp without a bound runs for its stages.
  const durationMs = (bounded ? q.duration : p.duration) ?? (total === undefined ? stagesMs : undefined);
  const k = { ...p.keys, ...Object.fromEntries(Object.entries(q?.keys ?? {}).filter(([, v]) => v !== undefined)) } as ParsedPhase['keys'];
  const keys: KeySpec = {
    prefix: k.prefix ?? p.name,
    distribution: k.distribution,
    space: k.space,
    ...(k.zipf !== undefined ? { zipf: k.zipf } : k.distribution === 'zipf' ? { zipf: 0.99 } : {}),
    ...(k.hot ? { hot: k.hot } : {}),
    ...(k.size !== undefined ? { size: size(k.size) } : {}),
  };
  const value = size(p.value.size);
  const watch = p.watch ? { ...p.watch, ...Object.fromEntries(Object.entries(q?.watch ?? {}).filter(([, v]) => v !== undefined)) } : undefined;
  const pat = pattern(p, q?.pattern, named);
  const mix = ops(p);
  const usesLease = Object.values(mix).some((o) => LEASE_OPS.includes(o.op));
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    ops: mix,
    clients,
    connections,
    ...(total !== undefined ? { total } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...r,
    warmupMs: q?.warmup ?? p.warmup ?? 0,
    keys,
    valueSize: value.min,
    valueSizeMax: value.max,
    deadlineMs: p.deadline,
    consistency: p.consistency,
    ...(watch ? { watch: watch as PhaseSpec['watch'] & object } : {}),
    ...(usesLease ? { lease: { ttlMs: p.lease?.ttl ?? 60_000, pool: p.lease?.pool ?? 100 } } : {}),
    ...(pat ? { pattern: pat } : {}),
    ...(p.faults?.length ? { faults: p.faults.map(toFaultSpec) } : {}),
  };
}

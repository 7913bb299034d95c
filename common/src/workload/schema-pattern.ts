import { z } from 'zod';
import { WORKLOAD_BOUNDS as B } from './bounds.js';
import { countAtMost, duration, durationAtMost, text } from './schema-fields.js';

/**
 * A phase driven like the microservice team's etcd-driver `pattern` command. Field names are its flags in
 * camelCase (the Helm chart's spelling); the flags' own kebab-case names are accepted too, so a command
 * line or a chart's values carry over. Rates are per HOUR as in the driver: -1 = off, 0 = unlimited.
 */
const rate = z.number().int().min(-1).max(B.patternRatePerHour);
const level = z.number().int().min(0).max(B.patternLevel);

/** Every field optional: defaults are applied when the phase is resolved (PATTERN_DEFAULTS). */
export const patternLoadFields = {
  /** Number of simulated drivers (each with its own key tree, as each driver pod had its own `:ip`). */
  drivers: countAtMost(B.patternDrivers).optional(),
  /** Initial keys per driver (the driver's --total); absent = every key of the pattern. */
  total: countAtMost(B.patternTotal).optional(),
  /** Initial load: keys per hour per driver (0 = as fast as the clients go, -1 = skip it). */
  putRate: rate.optional(),
  skipInit: z.boolean().optional(),
  valSpec: z
    .union([
      z
        .string()
        .regex(/^\s*\d{1,10}\s*(,\s*\d{1,10}\s*)?$/, 'write "min,max" or "n", e.g. 1000,10000')
        .refine((v) => v.split(',').every((n) => Number(n) <= B.valueBytes), { message: `a value size above etcd's request limit (${B.valueBytes} bytes)`, params: { fix: `use sizes of at most ${B.valueBytes}` } })
        .refine((v) => { const [a, b] = v.split(',').map(Number); return b === undefined || (a as number) <= b; }, { message: 'min above max', params: { fix: 'write "min,max", e.g. 1000,10000' } }),
      z.number().int().min(0).max(B.valueBytes),
    ])
    .optional(),
  churnValRate: rate.optional(),
  churnLevelRate: rate.optional(),
  churnLevel: level.optional(),
  churnLevelPct: z.number().int().min(0).max(100).optional(),
  getRate: rate.optional(),
  getLevel: level.optional(),
  serializableGets: z.boolean().optional(),
  getKeysOnly: z.boolean().optional(),
  /** e.g. "0,0,0,n,0,0": watchers per level (level 0 first; n = every prefix of that level). */
  watchCountsPerLevel: z
    .union([
      z
        .string()
        .max(1000)
        .regex(/^\s*(\d{1,6}|n)?\s*(,\s*(\d{1,6}|n)?\s*)*$/, 'comma-separated counts or n, e.g. 0,0,0,n,0,0'),
      z.array(z.union([z.number().int().min(0).max(100_000), z.literal('n')])).max(B.patternLevel),
    ])
    .optional(),
  watchWithPrefix: z.boolean().optional(),
  /** Every watcher range-reads its prefix this often (0 = never), the first time after a spread-out delay. */
  watchPrefixGetInterval: durationAtMost(duration, B.durationMs).optional(),
  /** etcdlab's own: watchers sharing one gRPC stream (the driver opened one stream per watcher). */
  watchersPerStream: countAtMost(B.watchersPerStream).optional(),
  /** The separate lease test: keep this many leases active (grant, then put a key with it) at this TTL. */
  leases: z.strictObject({ active: z.number().int().min(0).max(B.leasesActive), ttl: durationAtMost(duration, B.leaseTtlMs).refine((ms) => ms >= 1000, { message: 'etcd leases last whole seconds', params: { fix: 'use a TTL of at least 1s' } }).optional() }).optional(),
  /** Write the pattern's keys as they are, not under the run's `etcdlab/<run-id>` namespace. */
  absolute: z.boolean().optional(),
};

/** The driver's defaults (its flags' defaults), except watchersPerStream and absolute which are etcdlab's. */
export const PATTERN_DEFAULTS = {
  drivers: 1,
  putRate: 0,
  skipInit: false,
  churnValRate: -1,
  churnLevelRate: -1,
  churnLevel: 1,
  churnLevelPct: 10,
  getRate: -1,
  getLevel: 1,
  serializableGets: false,
  getKeysOnly: false,
  watchWithPrefix: false,
  watchPrefixGetInterval: 0,
  watchersPerStream: 1,
  leaseTtlMs: 2_000_000,
  absolute: false,
} as const;

export const patternLoadSchema = z.strictObject({
  /** The pattern itself, or `use:` the name of one in the workload's `patterns:`. */
  spec: text(B.patternChars).pipe(z.string().min(1)).optional(),
  use: z.string().min(1).max(64).optional(),
  ...patternLoadFields,
});
export type PatternLoadInput = z.output<typeof patternLoadSchema>;

/** Quick overrides of a pattern phase: any field but the pattern itself. */
export const quickPatternSchema = z.strictObject(patternLoadFields);
export type QuickPatternInput = z.output<typeof quickPatternSchema>;

const kebab = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The driver's flag spellings (`churn-level-rate`) become the camelCase fields, before validation. */
export function normaliseFlagNames(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    let key = k.includes('-') ? kebab(k) : k;
    // The chart calls it watchLevelCounts; the driver's flag is --watch-counts-per-level.
    if (key === 'watchLevelCounts') key = 'watchCountsPerLevel';
    if (key === 'pattern') key = 'spec';
    // Both spellings of one field: kept apart, so the schema refuses the second instead of one winning.
    if (key in out) key = k;
    out[key] = v;
  }
  return out;
}

import { z } from 'zod';
import { parseDurationMs } from '../duration.js';
import { closestName } from '../validation.js';
import { WORKLOAD_BOUNDS as B } from './bounds.js';

/** A duration in ms from `500ms`, `10s`, `2m`, `1h` or a bare number of seconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration`, params: { fix: 'write e.g. 500ms, 10s, 2m or 1h' } });
    return z.NEVER;
  }
  return ms;
});

/** A duration that must be longer than nothing (a phase's length, a request deadline). */
export const positiveDuration = duration.refine((ms) => ms > 0, { message: 'must be longer than 0', params: { fix: 'write e.g. 500ms, 10s or 2m' } });

const human = (ms: number): string => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} day(s)` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
/** A duration with an upper bound (docs/workloads.md#bounds). */
export const durationAtMost = (base: typeof duration, maxMs: number) =>
  base.refine((ms) => ms <= maxMs, { message: `longer than the bound of ${human(maxMs)}`, params: { fix: `use at most ${human(maxMs)}` } });

export const positiveInt = z.number().int().min(1);

/** Free text of a workload (a name, a description): printable, no control or invisible characters, bounded. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/.test(v), { message: 'holds control or invisible characters', params: { fix: 'write printable text' } });
/** A count with an upper bound (docs/workloads.md#bounds). */
export const countAtMost = (max: number) => z.number().int().min(1).max(max);

/** A fixed size, or a range picked uniformly per key / per value. */
const sizeOf = (max: number) => {
  const n = z.number().int().min(0).max(max);
  return z.union([n, z.strictObject({ min: n, max: n }).refine((r) => r.min <= r.max, { message: 'min must not be above max' })]);
};
export const sizeSchema = sizeOf(B.valueBytes);
export const keySizeSchema = sizeOf(B.keyBytes);

export const KEY_DISTRIBUTIONS = ['sequential', 'uniform', 'zipf', 'hot'] as const;
export type KeyDistribution = (typeof KEY_DISTRIBUTIONS)[number];

const hotSchema = z.strictObject({
  /** Share of the key space that is hot, e.g. 0.2. */
  keys: z.number().gt(0).max(1),
  /** Share of the operations that go to the hot keys, e.g. 0.8. */
  ops: z.number().min(0).max(1),
});

const keyFields = {
  /** Key prefix under the run's namespace (a leading `/` means outside it); phases that share a prefix share keys. */
  prefix: z.string().regex(/^[A-Za-z0-9._\-/]+$/, 'letters, digits and . _ - / only').optional(),
  /** Number of distinct keys. */
  space: countAtMost(B.keySpace).optional(),
  /** zipf: the exponent s (> 0; 0.99 is YCSB's). */
  zipf: z.number().gt(0).max(10).optional(),
  hot: hotSchema.optional(),
  /** Length of the key's last segment (the zero-padded index, padded further to this size). */
  size: keySizeSchema.optional(),
};

export const keysSchema = z.strictObject({
  ...keyFields,
  distribution: z.enum(KEY_DISTRIBUTIONS).default('sequential'),
  space: countAtMost(B.keySpace).default(100_000),
});

/** Quick overrides carry no defaults of their own: an absent field keeps the phase's value. */
export const quickKeysSchema = z.strictObject({ ...keyFields, distribution: z.enum(KEY_DISTRIBUTIONS).optional() });

export const valueSchema = z.strictObject({ size: sizeSchema.default(256) });

/** One step of an open-loop ramp: the rate moves linearly to `target` over `duration`. */
const rampStage = z.strictObject({ target: z.number().min(0).max(B.ratePerSec), duration: durationAtMost(duration, B.durationMs) });

/** Open-loop rate: ops/s, or a ramp `{ start, stages: [{ target, duration }] }` (k6's ramping arrival rate). */
export const rateSchema = z.union([
  z.number().positive().max(B.ratePerSec),
  z.strictObject({ start: z.number().min(0).max(B.ratePerSec).default(0), stages: z.array(rampStage).min(1).max(B.rampStages) }),
]);
export type RateInput = z.output<typeof rateSchema>;

export const watchSchema = z.strictObject({
  /** Watch streams in all (split over agents like clients). */
  streams: countAtMost(B.watchStreams).default(1),
  watchersPerStream: countAtMost(B.watchersPerStream).default(1),
  /** prefix: every watcher watches the phase's whole key prefix; key: watcher i watches key i of the space. */
  on: z.enum(['prefix', 'key']).default('prefix'),
});

export const leaseSchema = z.strictObject({
  ttl: durationAtMost(duration, B.leaseTtlMs).refine((ms) => ms >= 1000, { message: 'etcd leases last whole seconds', params: { fix: 'use a TTL of at least 1s' } }).default(60_000),
  /** Leases each agent keeps for put-lease / keep-alive / revoke. */
  pool: countAtMost(B.leasePool).default(100),
});

// ---- the operation mix ------------------------------------------------------------------------------------

/** Every operation the mix can draw. */
export const OP_NAMES = [
  'put',
  'get',
  'delete',
  'range',
  'delete-range',
  'txn-put',
  'cas',
  'create',
  'cas-delete',
  'lease-grant',
  'lease-keepalive',
  'lease-revoke',
  'put-lease',
  'compact',
] as const;
export type OpName = (typeof OP_NAMES)[number];

/** Options and the operations they apply to (anything else is refused, with the fix). */
export const OP_OPTIONS: Record<string, readonly OpName[]> = {
  consistency: ['get', 'range'],
  revision: ['get', 'range'],
  limit: ['range'],
  keysOnly: ['range'],
  countOnly: ['range'],
  span: ['range', 'delete-range'],
  ops: ['txn-put'],
  retain: ['compact'],
  physical: ['compact'],
};

const weight = z.number().min(0).max(1_000_000);
const entryOptions = z.strictObject({
  /** The operation, when the entry's name is a label of your own (e.g. `list: { op: range }`). */
  op: z.enum(OP_NAMES).optional(),
  weight: weight.default(1),
  consistency: z.enum(['linearizable', 'serializable']).optional(),
  /** `last`: read at the newest revision this agent has seen (Kubernetes' GetRev, informer reads). */
  revision: z.literal('last').optional(),
  /** range: at most this many keys. */
  limit: z.number().int().min(0).max(B.rangeKeys).optional(),
  keysOnly: z.boolean().optional(),
  countOnly: z.boolean().optional(),
  /** range / delete-range: `span` keys from the picked key (range default: the whole prefix; delete-range: 10). */
  span: countAtMost(B.rangeKeys).optional(),
  /** txn-put: puts per transaction. */
  ops: z.number().int().min(1).max(128).optional(),
  /** compact: revisions kept below the newest one seen (default 1000). */
  retain: z.number().int().min(0).max(B.compactRetain).optional(),
  physical: z.boolean().optional(),
});

/**
 * The mix: entry name -> weight, or -> { weight, ...options }. The name is the operation (put, get, ...),
 * or a label of your own with `op:`, so one operation can appear twice with different options; results
 * are reported under the entry's name.
 */
export const opsSchema = z
  .record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'), z.union([weight, entryOptions]))
  .superRefine((ops, ctx) => {
    // Checked here rather than on the phase, so that they show even when other fields are broken.
    for (const [label, entry] of Object.entries(ops)) {
      const op = (typeof entry === 'object' ? entry.op : undefined) ?? label;
      if (!(OP_NAMES as readonly string[]).includes(op)) {
        const guess = closestName(label, OP_NAMES);
        const fix = guess ? `did you mean "${guess}"? (or name the operation with op:)` : `use one of ${OP_NAMES.join(', ')}, or op: for a label of your own`;
        ctx.addIssue({ code: 'custom', path: [label], message: `unknown operation "${label}"`, params: { fix } });
        continue;
      }
      if (typeof entry !== 'object') continue;
      for (const key of Object.keys(entry)) {
        const allowed = OP_OPTIONS[key];
        if (allowed && !allowed.includes(op as OpName)) ctx.addIssue({ code: 'custom', path: [label, key], message: `\`${key}\` does not apply to ${op}`, params: { fix: `remove it; it applies to ${allowed.join(', ')}` } });
      }
    }
  });
export type OpsInput = z.output<typeof opsSchema>;
export type OpEntryInput = z.output<typeof entryOptions>;

/** One entry of the mix, normalised. */
export interface OpSpec {
  op: OpName;
  weight: number;
  consistency?: 'linearizable' | 'serializable';
  revision?: 'last';
  limit?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  span?: number;
  ops?: number;
  retain?: number;
  physical?: boolean;
}

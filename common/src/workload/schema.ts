import { z } from 'zod';
import { workloadChecks } from './checks.js';
import { ruleSchema } from './rules.js';
import { WORKLOAD_BOUNDS as B } from './bounds.js';
import {
  text,
  countAtMost,
  duration,
  durationAtMost,
  positiveDuration,
  keysSchema,
  leaseSchema,
  type OpName,
  opsSchema,
  positiveInt,
  quickKeysSchema,
  rateSchema,
  valueSchema,
  watchSchema,
} from './schema-fields.js';
import { patternLoadSchema, quickPatternSchema } from './schema-pattern.js';
import { faultSchema } from './faults.js';

export { OP_NAMES, OP_OPTIONS, type OpName, type OpSpec, KEY_DISTRIBUTIONS, type KeyDistribution } from './schema-fields.js';

const phaseFields = {
  /** Operation mix: op name -> relative weight, or -> { weight, ...options }. */
  ops: opsSchema.optional(),
  /** Instead of `ops`: load shaped like the microservice team's etcd-driver (see docs/patterns.md). */
  pattern: patternLoadSchema.optional(),
  /** Concurrent clients in all (closed loop), or the in-flight limit (open loop). */
  clients: countAtMost(B.clients).default(1),
  /** HTTP/2 connections the clients share; defaults to min(clients, 10). */
  connections: countAtMost(B.connections).optional(),
  /** Stop after this many operations in all... */
  total: countAtMost(B.total).optional(),
  /** ...or after this long. */
  duration: durationAtMost(positiveDuration, B.durationMs).optional(),
  /** Open loop: target ops/s in all, or a ramp. Latency then counts from the intended start. */
  rate: rateSchema.optional(),
  /** Load run before the measured part and left out of the results (whole seconds). */
  warmup: durationAtMost(duration, B.warmupMs).optional(),
  keys: keysSchema.default({ distribution: 'sequential', space: 100_000 }),
  value: valueSchema.default({ size: 256 }),
  /** Per-request deadline. */
  deadline: durationAtMost(positiveDuration, B.deadlineMs).default(5000),
  consistency: z.enum(['linearizable', 'serializable']).default('linearizable'),
  /** Standing watchers; the latency from a put to its event is measured. */
  watch: watchSchema.optional(),
  /** Lease settings for the lease operations of the mix. */
  lease: leaseSchema.optional(),
  /** Faults injected during the phase (docs/faults.md). */
  faults: z.array(faultSchema).max(B.faults).optional(),
};

// Quick overrides carry no defaults of their own: an absent field keeps the phase's value.
const quickSchema = z
  .strictObject({
    clients: countAtMost(B.clients).optional(),
    connections: countAtMost(B.connections).optional(),
    total: countAtMost(B.total).optional(),
    duration: durationAtMost(positiveDuration, B.durationMs).optional(),
    rate: rateSchema.optional(),
    warmup: durationAtMost(duration, B.warmupMs).optional(),
    keys: quickKeysSchema.optional(),
    watch: z.strictObject({ streams: countAtMost(B.watchStreams).optional(), watchersPerStream: countAtMost(B.watchersPerStream).optional() }).optional(),
    pattern: quickPatternSchema.optional(),
  })
  .optional();

export const phaseSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, e.g. sequential-writes'),
    description: text(B.textChars).optional(),
    ...phaseFields,
    /** Overrides applied with --quick. */
    quick: quickSchema,
  })
  .superRefine((p, ctx) => {
    const weights = Object.values(p.ops ?? {}).map((o) => (typeof o === 'number' ? o : (o?.weight ?? 0)));
    const opsUsed = new Set(Object.entries(p.ops ?? {}).map(([label, e]) => ((typeof e === 'object' ? e.op : undefined) ?? label) as OpName));
    if (p.pattern && p.ops) ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'a phase has either `ops` or `pattern`, not both', params: { fix: 'split it into two phases' } });
    else if (!p.pattern && !weights.some((w) => w > 0)) {
      ctx.addIssue({ code: 'custom', path: ['ops'], message: 'needs at least one operation with a weight above 0', params: { fix: 'e.g. ops: { put: 1 }, or a pattern: block' } });
    }
    if (p.pattern) {
      if (!p.pattern.spec === !p.pattern.use) ctx.addIssue({ code: 'custom', path: ['pattern', 'spec'], message: 'the pattern must be given inline or by name, once', params: { fix: 'write spec: "/prefix/...;[0-9]{10}" or use: <name from patterns:>, not both' } });
      if (p.rate !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'a pattern phase takes its rates from the pattern (per hour), not `rate`', params: { fix: 'remove rate; set putRate, churnValRate, getRate... in pattern:' } });
      if (p.total !== undefined) ctx.addIssue({ code: 'custom', path: ['total'], message: 'a pattern phase has no `total`', params: { fix: 'bound the initial load with pattern.total (keys per driver) and the rest with duration' } });
    } else if (p.total === undefined && p.duration === undefined && !hasStages(p.rate)) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'a phase needs `total` (operations) or `duration`', params: { fix: 'e.g. total: 10000 or duration: 30s' } });
    }
    if (p.connections !== undefined && p.connections > p.clients) {
      ctx.addIssue({ code: 'custom', path: ['connections'], message: `more connections (${p.connections}) than clients (${p.clients})`, params: { fix: `use at most ${p.clients} connections` } });
    }
    for (const [field, ms] of [['warmup', p.warmup], ['quick.warmup', p.quick?.warmup]] as const) {
      if (ms !== undefined && ms % 1000 !== 0) ctx.addIssue({ code: 'custom', path: field.split('.'), message: 'the warm-up is measured in whole 1-second intervals', params: { fix: `write e.g. ${Math.max(1, Math.round(ms / 1000))}s` } });
    }
    const usesLease = (['lease-grant', 'lease-keepalive', 'lease-revoke', 'put-lease'] as const).some((o) => opsUsed.has(o));
    if (p.lease && !usesLease) ctx.addIssue({ code: 'custom', path: ['lease'], message: '`lease` settings without a lease operation in `ops`', params: { fix: 'add lease-grant, lease-keepalive, lease-revoke or put-lease, or remove lease' } });
    if (p.keys.distribution === 'hot' && !p.keys.hot) ctx.addIssue({ code: 'custom', path: ['keys', 'hot'], message: 'the hot distribution needs its hot set', params: { fix: 'add hot: { keys: 0.2, ops: 0.8 } (20% of the keys get 80% of the operations)' } });
  });

const hasStages = (r: unknown): boolean => typeof r === 'object' && r !== null;

export const workloadSchema = z
  .strictObject({
    name: text(200).pipe(z.string().min(1)),
    description: text(B.textChars).optional(),
    /** Named etcd-driver patterns that pattern phases `use:`. */
    patterns: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _'), z.string().min(1).max(B.patternChars)).optional(),
    /** Pass/fail rules for the report (see docs/workloads.md). */
    rules: z.array(ruleSchema).optional(),
    phases: z.array(phaseSchema).min(1).max(B.phases),
  })
  .superRefine((w, ctx) => {
    for (const c of workloadChecks(w)) ctx.addIssue({ code: 'custom', path: c.path, message: c.message, params: { fix: c.fix } });
  });

/** Duplicate phase names, checked on the raw document so that they show beside every other problem. */
export function duplicatePhaseNames(raw: unknown): { index: number; name: string; first: number }[] {
  const phases = (raw as { phases?: unknown })?.phases;
  if (!Array.isArray(phases)) return [];
  const seen = new Map<string, number>();
  const out: { index: number; name: string; first: number }[] = [];
  phases.forEach((p: unknown, index) => {
    const name = (p as { name?: unknown })?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined) out.push({ index, name, first });
    else seen.set(name, index);
  });
  return out;
}

export type WorkloadInput = z.input<typeof workloadSchema>;
export type ParsedWorkload = z.output<typeof workloadSchema>;
export type ParsedPhase = ParsedWorkload['phases'][number];

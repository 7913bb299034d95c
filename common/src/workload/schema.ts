import { z } from 'zod';
import { parseDurationMs } from '../duration.js';

/** Operations the engine drives today; weights pick among them per request. */
export const OP_NAMES = ['put', 'get', 'delete'] as const;
export type OpName = (typeof OP_NAMES)[number];

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration; write e.g. 500ms, 10s, 2m` });
    return z.NEVER;
  }
  return ms;
});

const positiveInt = z.number().int().min(1);

const keysSchema = z.strictObject({
  /** Key prefix under the run's namespace; phases that share a prefix share keys. */
  prefix: z.string().regex(/^[A-Za-z0-9._\-/]+$/, 'letters, digits and . _ - / only').optional(),
  /** sequential: each op takes the next key (unique keys up to `space`); uniform: random key in the space. */
  distribution: z.enum(['sequential', 'uniform']).default('sequential'),
  /** Number of distinct keys. */
  space: positiveInt.default(100_000),
});

const valueSchema = z.strictObject({
  size: z.number().int().min(0).max(1_572_864).default(256),
});

const phaseFields = {
  /** Operation mix: op name -> relative weight. */
  ops: z.partialRecord(z.enum(OP_NAMES), z.number().min(0)),
  /** Concurrent clients in all (closed loop), or the in-flight limit (open loop). */
  clients: positiveInt.default(1),
  /** HTTP/2 connections the clients share; defaults to min(clients, 10). */
  connections: positiveInt.optional(),
  /** Stop after this many operations in all... */
  total: positiveInt.optional(),
  /** ...or after this long. */
  duration: duration.optional(),
  /** Open loop: target ops/s in all. Latency then counts from the intended start. */
  rate: z.number().positive().optional(),
  keys: keysSchema.default({ distribution: 'sequential', space: 100_000 }),
  value: valueSchema.default({ size: 256 }),
  /** Per-request deadline. */
  deadline: duration.default(5000),
  consistency: z.enum(['linearizable', 'serializable']).default('linearizable'),
};

// Quick overrides carry no defaults of their own: an absent field keeps the phase's value.
const quickSchema = z
  .strictObject({
    clients: positiveInt.optional(),
    connections: positiveInt.optional(),
    total: positiveInt.optional(),
    duration: duration.optional(),
    rate: z.number().positive().optional(),
    keys: z
      .strictObject({
        prefix: keysSchema.shape.prefix,
        distribution: z.enum(['sequential', 'uniform']).optional(),
        space: positiveInt.optional(),
      })
      .optional(),
  })
  .optional();

export const phaseSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. sequential-writes'),
    description: z.string().optional(),
    ...phaseFields,
    /** Overrides applied with --quick. */
    quick: quickSchema,
  })
  .superRefine((p, ctx) => {
    const weights = Object.values(p.ops);
    if (weights.length === 0 || !weights.some((w) => (w ?? 0) > 0)) {
      ctx.addIssue({ code: 'custom', path: ['ops'], message: 'needs at least one operation with a weight above 0, e.g. { put: 1 }' });
    }
    if (p.total === undefined && p.duration === undefined) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'a phase needs `total` (operations) or `duration` (e.g. 30s)' });
    }
    if (p.connections !== undefined && p.connections > p.clients) {
      ctx.addIssue({ code: 'custom', path: ['connections'], message: `more connections (${p.connections}) than clients (${p.clients})` });
    }
  });

export const workloadSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  phases: z.array(phaseSchema).min(1),
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

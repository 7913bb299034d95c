import { z } from 'zod';
import { KEY_DISTRIBUTIONS, OP_NAMES } from './schema-fields.js';

/** One agent's share of a phase, as sent in `phase:prepare` (validated by the agent before use). */
const opSpecSchema = z.strictObject({
  op: z.enum(OP_NAMES),
  weight: z.number().min(0),
  consistency: z.enum(['linearizable', 'serializable']).optional(),
  revision: z.literal('last').optional(),
  limit: z.number().int().min(0).optional(),
  keysOnly: z.boolean().optional(),
  countOnly: z.boolean().optional(),
  span: z.number().int().min(1).optional(),
  ops: z.number().int().min(1).optional(),
  retain: z.number().int().min(0).optional(),
  physical: z.boolean().optional(),
});

const range = z.strictObject({ min: z.number().int().min(0), max: z.number().int().min(0) });

export const patternPlanSchema = z.strictObject({
  spec: z.string(),
  valSpec: range.optional(),
  /** This agent's simulated drivers: [first, first + count). */
  drivers: z.strictObject({ first: z.number().int().min(0), count: z.number().int().min(0) }),
  /** Seed of the random segments (the run), so every agent and phase sees the same trees. */
  seed: z.string(),
  /** Prepended to every key ('' = the pattern's keys as they are). */
  root: z.string(),
  total: z.number().int().min(1).optional(),
  putRate: z.number().int().min(-1),
  skipInit: z.boolean(),
  churnValRate: z.number().int().min(-1),
  churnLevelRate: z.number().int().min(-1),
  churnLevel: z.number().int().min(0),
  churnLevelPct: z.number().int().min(0).max(100),
  getRate: z.number().int().min(-1),
  getLevel: z.number().int().min(0),
  serializableGets: z.boolean(),
  getKeysOnly: z.boolean(),
  watchCountsPerLevel: z.array(z.union([z.number().int().min(0), z.literal('n')])),
  watchWithPrefix: z.boolean(),
  watchPrefixGetIntervalMs: z.number().int().min(0),
  watchersPerStream: z.number().int().min(1),
  leases: z.strictObject({ active: z.number().int().min(0), ttlMs: z.number().int().min(1) }).optional(),
});

export const agentPhasePlanSchema = z.strictObject({
  phase: z.string(),
  /** The mix by entry name (results are recorded under it). */
  ops: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), opSpecSchema),
  clients: z.number().int().min(0),
  connections: z.number().int().min(0),
  total: z.number().int().min(0).optional(),
  durationMs: z.number().int().min(0).optional(),
  rate: z.number().min(0).optional(),
  rateStages: z.array(z.strictObject({ target: z.number().min(0), durationMs: z.number().int().min(0) })).optional(),
  warmupMs: z.number().int().min(0).optional(),
  keys: z.strictObject({
    prefix: z.string(),
    distribution: z.enum(KEY_DISTRIBUTIONS),
    space: z.number().int().min(1),
    start: z.number().int().min(0),
    count: z.number().int().min(1),
    width: z.number().int().min(1),
    /** Keys one operation consumes from a sequential slice (txn-put's ops). */
    perOp: z.number().int().min(1).optional(),
    zipf: z.number().positive().optional(),
    hot: z.strictObject({ keys: z.number().positive().max(1), ops: z.number().min(0).max(1) }).optional(),
    size: range.optional(),
  }),
  valueSize: z.number().int().min(0),
  valueSizeMax: z.number().int().min(0).optional(),
  deadlineMs: z.number().int().min(1),
  consistency: z.enum(['linearizable', 'serializable']),
  watch: z.strictObject({ streams: z.number().int().min(0), watchersPerStream: z.number().int().min(1), on: z.enum(['prefix', 'key']) }).optional(),
  lease: z.strictObject({ ttlMs: z.number().int().min(1), pool: z.number().int().min(1) }).optional(),
  pattern: patternPlanSchema.optional(),
  /** A fault phase: record availability gaps, and the last acknowledged put of up to ackedKeys keys (durability). */
  observe: z.strictObject({ ackedKeys: z.number().int().min(0) }).optional(),
});

export type AgentPhasePlan = z.infer<typeof agentPhasePlanSchema>;
export type PatternPlan = z.infer<typeof patternPlanSchema>;

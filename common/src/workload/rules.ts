import { z } from 'zod';
import { parseDurationMs } from '../duration.js';

/**
 * Pass/fail rules a workload carries for its report (e.g. etcdctl check perf's PASS conditions). etcdlab
 * only validates and stores them; the report evaluates them against the merged results. Bounds are
 * inclusive. Latency bounds are durations (`500ms`) or numbers of milliseconds, stored in microseconds.
 */
export const RULE_METRICS = [
  'errors',
  'count',
  'throughput',
  'lateStarts',
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'latency.max',
  'latency.mean',
  'latency.stddev',
] as const;
export type RuleMetric = (typeof RULE_METRICS)[number];

const bound = z.union([z.number(), z.string()]);

export const ruleSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** The phase the rule judges. */
    phase: z.string().min(1),
    /** An op name, or `all` (the default) for every operation of the phase together. */
    op: z.string().min(1).default('all'),
    metric: z.enum(RULE_METRICS),
    /** Latency metrics of open-loop phases: from the intended start (latency) or from the send (service). */
    measure: z.enum(['latency', 'service']).default('latency'),
    min: bound.optional(),
    max: bound.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.min === undefined && r.max === undefined) ctx.addIssue({ code: 'custom', path: ['max'], message: 'a rule needs `min` or `max`', params: { fix: 'e.g. max: 500ms, or min: 1000' } });
    for (const key of ['min', 'max'] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (r.metric.startsWith('latency.')) {
        if (latencyUs(v) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${v}" is not a latency`, params: { fix: 'write e.g. 500ms, or a number of milliseconds' } });
      } else if (typeof v !== 'number') ctx.addIssue({ code: 'custom', path: [key], message: `${r.metric} bounds are numbers`, params: { fix: 'write a number, e.g. 0' } });
    }
  });
export type RuleInput = z.output<typeof ruleSchema>;

/** A rule as the report reads it: bounds as numbers, latency in microseconds, throughput in ops/s. */
export interface Rule {
  name: string;
  description?: string;
  phase: string;
  op: string;
  metric: RuleMetric;
  /** Which timing a latency metric reads: `latency` (from the intended start) or `service` (from the send). */
  measure: 'latency' | 'service';
  min?: number;
  max?: number;
}

function latencyUs(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const ms = parseDurationMs(v);
  return ms === undefined ? undefined : Math.round(ms * 1000);
}

export function resolveRule(r: RuleInput, index: number): Rule {
  const conv = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : r.metric.startsWith('latency.') ? latencyUs(v) : (v as number));
  const min = conv(r.min);
  const max = conv(r.max);
  return {
    name: r.name ?? `rule-${index + 1}`,
    ...(r.description ? { description: r.description } : {}),
    phase: r.phase,
    op: r.op,
    metric: r.metric,
    measure: r.measure,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  };
}

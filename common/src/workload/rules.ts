import { z } from 'zod';
import { text } from './schema-fields.js';
import { parseDurationMs } from '../duration.js';

/**
 * Pass/fail rules a workload carries for its report (e.g. etcdctl check perf's PASS conditions). etcdlab
 * only validates and stores them; the report evaluates them against the merged results. Bounds are
 * inclusive. Latency bounds are durations (`500ms`, `800us`) or numbers of milliseconds, stored in microseconds.
 */
export const RULE_METRICS = [
  'errors',
  'errorRate',
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

/** etcdctl check perf's four PASS conditions for a phase at a limit (ops/s), as one entry. */
const checkPerfSchema = z.strictObject({ checkPerf: z.strictObject({ phase: z.string().min(1), limit: z.number().positive() }) });

export const metricRuleSchema = z
  .strictObject({
    name: text(200).pipe(z.string().min(1)).optional(),
    description: text(1000).optional(),
    /** The phase the rule judges, or `*` for every phase. */
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
        if (latencyUs(v) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${v}" is not a latency`, params: { fix: 'write e.g. 500ms, 2s, 800us, or a number of milliseconds' } });
      } else if (typeof v !== 'number' && !(r.metric === 'errorRate' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v))) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${r.metric} bounds are numbers`, params: { fix: r.metric === 'errorRate' ? 'write a share, e.g. 0.001 or 0.1%' : 'write a number, e.g. 0' } });
      } else if (percent(v) < 0) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${r.metric} cannot be negative`, params: { fix: 'use 0 or more' } });
      } else if (r.metric === 'errorRate' && percent(v) > 1) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'an error rate is a share of 0 to 1 (0% to 100%)', params: { fix: 'write e.g. 0.001 or 0.1%' } });
      }
    }
    const [lo, hi] = [boundValue(r.metric, r.min), boundValue(r.metric, r.max)];
    if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) && lo > hi) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${String(r.min)} is above max ${String(r.max)}: no result can pass`, params: { fix: 'swap them, or drop one' } });
    }
  });
export const ruleSchema = z.union([checkPerfSchema, metricRuleSchema]);
export type RuleInput = z.output<typeof ruleSchema>;
type MetricRuleInput = z.output<typeof metricRuleSchema>;

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
  // Exact to the microsecond the histograms record (2.5ms is 2500 us, not 3 ms), and in microseconds
  // too: a local etcd's p50 is a few hundred of them.
  const fine = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)\s*$/.exec(v);
  if (fine) return Math.round(Number(fine[1]) * (fine[2] === 's' ? 1_000_000 : fine[2] === 'ms' ? 1000 : 1));
  const ms = parseDurationMs(v);
  return ms === undefined ? undefined : Math.round(ms * 1000);
}

/** The rules as the report reads them: bounds as numbers, `checkPerf` entries expanded to their four rules. */
export function resolveRules(rules: readonly RuleInput[]): Rule[] {
  return rules.flatMap((r, i) => ('checkPerf' in r ? checkPerfRules(r.checkPerf.phase, r.checkPerf.limit) : [resolveRule(r, i)]));
}

/** etcdctl check perf: no errors, more than 0.9 x the limit, slowest <= 0.5 s, stddev <= 0.1 s (timed from the send). */
export function checkPerfRules(phase: string, limit: number): Rule[] {
  const base = { phase, op: 'all', measure: 'latency' as const };
  return [
    { ...base, name: 'check-perf: no errors', metric: 'errors', max: 0 },
    { ...base, name: `check-perf: throughput above 90% of ${limit} ops/s`, metric: 'throughput', min: Math.floor(0.9 * limit) + 1 },
    { ...base, name: 'check-perf: slowest <= 0.5 s', metric: 'latency.max', measure: 'service', max: 500_000 },
    { ...base, name: 'check-perf: stddev <= 0.1 s', metric: 'latency.stddev', measure: 'service', max: 100_000 },
  ];
}

function percent(v: number | string): number {
  return typeof v === 'number' ? v : Number(v.trim().replace(/%$/, '')) / 100;
}

/** A bound as the report compares it: latency in microseconds, a share or a count as a number. */
function boundValue(metric: RuleMetric, v: number | string | undefined): number | undefined {
  return v === undefined ? undefined : metric.startsWith('latency.') ? latencyUs(v) : percent(v);
}

function resolveRule(r: MetricRuleInput, index: number): Rule {
  const min = boundValue(r.metric, r.min);
  const max = boundValue(r.metric, r.max);
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

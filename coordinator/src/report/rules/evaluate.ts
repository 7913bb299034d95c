import type { OpStats, ReportPhase, RuleResult, Verdict } from '../model/types.js';

/**
 * PASS/FAIL rules judged against a report's figures (pure). The rule shape is the workload's `rules:`
 * block as the workload loader resolves it (common/src/workload/rules.ts): a phase, an op (`all` = every
 * op of the phase), a metric and inclusive `min`/`max` bounds, latencies in microseconds. The report adds
 * `errorRate` (errors / attempts, 0..1) and `*` for every phase.
 */
export interface ReportRule {
  name: string;
  description?: string;
  phase: string;
  op: string;
  metric: string;
  min?: number;
  max?: number;
}

type Unit = 'us' | 'ops/s' | 'count' | 'ratio';

/** How a metric is read from a phase's figures for one op (or `all`). */
export interface MetricReader {
  unit: Unit;
  read(stats: OpStats, phase: ReportPhase): number;
}

const lat = (k: keyof OpStats['latencyUs']): MetricReader => ({ unit: 'us', read: (s) => s.latencyUs[k] });

/** Every metric a rule may name. */
export const METRIC_READERS: Readonly<Record<string, MetricReader>> = {
  errors: { unit: 'count', read: (s) => s.errors },
  count: { unit: 'count', read: (s) => s.count },
  throughput: { unit: 'ops/s', read: (s) => s.throughputOpsPerSec },
  lateStarts: { unit: 'count', read: (_s, p) => p.lateStarts },
  errorRate: { unit: 'ratio', read: (s) => s.errorRate },
  'latency.p50': lat('p50'),
  'latency.p90': lat('p90'),
  'latency.p99': lat('p99'),
  'latency.p999': lat('p999'),
  'latency.max': lat('max'),
  'latency.mean': lat('mean'),
  'latency.stddev': lat('stddev'),
};

export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'us':
      return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} ms`;
    case 'ops/s':
      return `${v.toFixed(1)} ops/s`;
    case 'ratio':
      return `${(v * 100).toFixed(3)}%`;
    default:
      return String(v);
  }
}

function expectedText(r: ReportRule, unit: Unit): string {
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`>= ${formatValue(r.min, unit)}`);
  if (r.max !== undefined) parts.push(`<= ${formatValue(r.max, unit)}`);
  return parts.join(' and ');
}

/** Judges one rule on each phase it names; a phase or op that did not run is `n/a` and fails the verdict. */
export function evaluateRule(rule: ReportRule, phases: readonly ReportPhase[]): RuleResult[] {
  const reader = METRIC_READERS[rule.metric];
  const label = rule.description ?? rule.name;
  const targets = rule.phase === '*' ? phases : phases.filter((p) => p.name === rule.phase);
  if (!reader) return [{ rule: label, phase: rule.phase, op: rule.op, status: 'n/a', expected: `a known metric (${Object.keys(METRIC_READERS).join(', ')})`, actual: `unknown metric "${rule.metric}"` }];
  const expected = expectedText(rule, reader.unit);
  if (targets.length === 0) return [{ rule: label, phase: rule.phase, op: rule.op, status: 'n/a', expected, actual: 'the phase did not run' }];
  return targets.map((p) => {
    const stats = rule.op === 'all' ? p.all : p.ops[rule.op];
    if (!stats) return { rule: label, phase: p.name, op: rule.op, status: 'n/a', expected, actual: `no ${rule.op} operations in the phase` };
    const v = reader.read(stats, p);
    const ok = (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
    return { rule: label, phase: p.name, op: rule.op, status: ok ? 'pass' : 'fail', expected, actual: formatValue(v, reader.unit) };
  });
}

/** PASS when every rule passes; FAIL on any failure, unjudgeable rule or unreadable rule; NONE without rules. */
export function evaluateRules(rules: readonly ReportRule[], phases: readonly ReportPhase[], problems: readonly string[] = []): Verdict {
  if (rules.length === 0 && problems.length === 0) return { status: 'NONE', results: [], problems: [] };
  const results = rules.flatMap((r) => evaluateRule(r, phases));
  const pass = problems.length === 0 && results.every((r) => r.status === 'pass');
  return { status: pass ? 'PASS' : 'FAIL', results, problems: [...problems] };
}

/**
 * etcdctl check perf's PASS conditions as rules for one phase: no errors, throughput at least 90% of
 * the profile's rate, slowest request within 0.5 s, standard deviation within 0.1 s.
 */
export function checkPerfRules(phase: string, limitOpsPerSec: number): ReportRule[] {
  return [
    { name: 'check-perf: no errors', phase, op: 'all', metric: 'errors', max: 0 },
    { name: `check-perf: throughput >= 90% of ${limitOpsPerSec} ops/s`, phase, op: 'all', metric: 'throughput', min: 0.9 * limitOpsPerSec },
    { name: 'check-perf: slowest <= 0.5 s', phase, op: 'all', metric: 'latency.max', max: 500_000 },
    { name: 'check-perf: stddev <= 0.1 s', phase, op: 'all', metric: 'latency.stddev', max: 100_000 },
  ];
}

import { checkPerfRules as workloadCheckPerfRules, type Rule } from '@etcdlab/common';
import type { OpStats, ReportPhase, RuleResult, Verdict } from '../model/types.js';

/**
 * PASS/FAIL rules judged against a report's figures (pure). The rule shape is the workload's `rules:`
 * block as the workload loader resolves it (common/src/workload/rules.ts): a phase, an op (`all` = every
 * op of the phase), a metric and inclusive `min`/`max` bounds, latencies in microseconds. The report adds
 * `errorRate` (errors / attempts, 0..1) and `*` for every phase.
 */
export type ReportRule = Omit<Rule, 'metric' | 'measure'> & { metric: string; measure?: 'latency' | 'service' };

type Unit = 'us' | 'ops/s' | 'count' | 'ratio';

/** How a metric is read from a phase's figures for one op (or `all`). */
export interface MetricReader {
  unit: Unit;
  read(stats: OpStats, phase: ReportPhase, measure: 'latency' | 'service'): number;
}

/** Latency metrics read what the rule names: from the intended start, or from the send (service); a closed loop has one. */
const lat = (k: keyof OpStats['latencyUs']): MetricReader => ({ unit: 'us', read: (s, _p, measure) => (measure === 'service' ? (s.serviceUs ?? s.latencyUs) : s.latencyUs)[k] });

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
  if (!reader) return [{ rule: label, phase: rule.phase, op: rule.op, status: 'n/a', expected: `a known metric (${Object.keys(METRIC_READERS).join(', ')})`, actual: `unknown metric "${rule.metric}"`, metric: rule.metric, limit: {} }];
  const expected = expectedText(rule, reader.unit);
  if (targets.length === 0) return [{ rule: label, phase: rule.phase, op: rule.op, status: 'n/a', expected, actual: 'the phase did not run', metric: rule.metric, limit: {} }];
  const measure = rule.measure ?? 'latency';
  const limit = { ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}) };
  const base = { metric: rule.metric, ...(reader.unit === 'us' ? { measure } : {}), limit, unit: reader.unit };
  return targets.map((p) => {
    const stats = rule.op === 'all' ? p.all : p.ops[rule.op];
    if (!stats) return { rule: label, phase: p.name, op: rule.op, status: 'n/a', expected, actual: `no ${rule.op} operations in the phase`, ...base };
    const v = reader.read(stats, p, measure);
    const ok = (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
    // A closed loop has no separate service time: the latency is timed from the send already.
    const note = reader.unit === 'us' && measure === 'service' && !stats.serviceUs ? ' (closed loop: service time = latency)' : '';
    return { rule: label, phase: p.name, op: rule.op, status: ok ? 'pass' : 'fail', expected, actual: formatValue(v, reader.unit) + note, value: v, ...base };
  });
}

export interface Completeness {
  /** The run's status (manifest). */
  status: string;
  /** `--quick` was applied. */
  quick: boolean;
}

/**
 * The verdict, in one place: NONE without rules; INCOMPLETE when the run or a phase did not complete
 * (interrupted, failed, an agent lost or failed) whatever the rules say; NOT_A_CHECK for a --quick run
 * whose rules cannot hold at quick scale; else PASS when every rule passes, FAIL on any failure,
 * unjudgeable or unreadable rule. Rule results are listed in every case.
 */
export function evaluateRules(rules: readonly ReportRule[], phases: readonly ReportPhase[], problems: readonly string[] = [], run: Completeness = { status: 'completed', quick: false }): Verdict {
  const results = rules.flatMap((r) => evaluateRule(r, phases));
  const notDone = phases.filter((p) => p.outcome !== 'completed');
  if (run.status === 'aborted' || run.status === 'failed' || notDone.length > 0) {
    const why = [
      ...(run.status === 'aborted' ? ['the run was interrupted'] : run.status === 'failed' ? ['the run failed'] : []),
      ...notDone.map((p) => `phase ${p.name} ${p.outcome}${p.reasons.length ? ` (${p.reasons.join('; ')})` : ''}`),
    ];
    return { status: 'INCOMPLETE', reason: why.join('; '), results, problems: [...problems] };
  }
  if (rules.length === 0 && problems.length === 0) return { status: 'NONE', reason: 'the workload has no rules', results: [], problems: [] };
  if (run.quick) {
    const impossible = quickImpossible(rules, phases);
    if (impossible.length > 0) return { status: 'NOT_A_CHECK', reason: `--quick is a smoke run, not a check: ${impossible.join('; ')}; run without --quick for the verdict`, results, problems: [...problems] };
  }
  const failed = results.filter((r) => r.status !== 'pass');
  const pass = problems.length === 0 && failed.length === 0;
  const reason = pass ? `all ${results.length} rule result(s) passed` : [...problems, ...failed.map((r) => `${r.rule} (${r.phase}): ${r.actual}, needs ${r.expected}`)].join('; ');
  return { status: pass ? 'PASS' : 'FAIL', reason, results, problems: [...problems] };
}

/** Rules a quick phase cannot meet by construction: a throughput floor above the open loop's asked rate. */
function quickImpossible(rules: readonly ReportRule[], phases: readonly ReportPhase[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    if (r.metric !== 'throughput' || r.min === undefined) continue;
    for (const p of phases) {
      if ((r.phase !== '*' && r.phase !== p.name) || p.rateOpsPerSec === undefined) continue;
      if (r.min > p.rateOpsPerSec) out.push(`${r.description ?? r.name} needs ${r.min} ops/s but quick phase ${p.name} asks for ${p.rateOpsPerSec}/s`);
    }
  }
  return out;
}

/** etcdctl check perf's PASS conditions as rules for one phase (the workload's own expansion). */
export const checkPerfRules = (phase: string, limitOpsPerSec: number): ReportRule[] => workloadCheckPerfRules(phase, limitOpsPerSec);

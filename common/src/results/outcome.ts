/**
 * A run's exit status and its verdict in one line, from its summary (pure): what `run`, `quickstart`,
 * `sweep` points and `report` all use, so the exit status never disagrees with the summary.
 */
import { EtcdlabError, InputError } from '../errors.js';
import type { RunSummary } from './summary.js';

export const ExitStatus = {
  /** Completed; the verdict is PASS, NONE (no rules) or NOT_A_CHECK (--quick of a check). */
  ok: 0,
  /** The tool failed: a cluster or agents could not be had, or a phase measured nothing. */
  toolFailure: 1,
  badInput: 2,
  /** The merged results do not add up (E_HISTOGRAM_MISMATCH): they must not be trusted. */
  resultsInvalid: 3,
  /** A phase did not complete: an agent was lost or failed its phase; the figures are partial. */
  incomplete: 4,
  /** The workload's rules failed (k6 uses 99 for failed thresholds too). */
  rulesFailed: 99,
  interrupted: 130,
} as const;

/** Precedence: the error's own status, interrupted, results invalid, failed, incomplete, rules failed, ok. */
export function exitStatusOf(summary: Pick<RunSummary, 'status' | 'integrity' | 'verdict'> | undefined, error?: Error): number {
  if (error instanceof InputError) return error.exitCode;
  if (summary?.status === 'aborted') return ExitStatus.interrupted;
  if (error) return error instanceof EtcdlabError ? error.exitCode : ExitStatus.toolFailure;
  if (!summary) return ExitStatus.toolFailure;
  if (!summary.integrity.ok) return ExitStatus.resultsInvalid;
  if (summary.status === 'failed') return ExitStatus.toolFailure;
  if (summary.verdict.status === 'INCOMPLETE') return ExitStatus.incomplete;
  if (summary.verdict.status === 'FAIL') return ExitStatus.rulesFailed;
  return ExitStatus.ok;
}

/** The verdict in one line, e.g. "verdict FAIL: throughput (check): 194.0 ops/s, needs >= 901.0 ops/s". */
export function verdictLine(summary: Pick<RunSummary, 'verdict'>): string {
  const v = summary.verdict;
  return v.status === 'NONE' ? 'verdict: none (the workload has no rules)' : `verdict ${v.status.replaceAll('_', ' ')}: ${v.reason}`;
}

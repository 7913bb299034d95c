import { EtcdlabError, ErrorCodes, HostError, type Problem } from '@etcdlab/common';
import type { Logger } from 'pino';
import { RemoteStepError } from './errors.js';
import { Limiter } from './limiter.js';
import { type HostStepContext, StepTracker } from './step-logger.js';

export type HostOutcome<H, T> =
  | { host: H; ok: true; value: T; ms: number }
  /** `step`: the steps open when it failed, outermost first (`install etcd > verify sha256`). */
  | { host: H; ok: false; step: string; error: Error; ms: number };

export interface ForEachHostOptions {
  /** Step lines go to this logger (debug/info) with the host bound; default: nothing logged. */
  logger?: Logger;
  /** Human progress lines (stderr), one per step start/end: `[etcd-1] install etcd ... ok (1.2 s)`. */
  note?: (line: string) => void;
  /**
   * On the first failure, hosts not started yet are not started (outcome step "not started") and the
   * running ones see task.signal aborted; without it every host runs to its end.
   */
  stopOnFailure?: boolean;
}

/**
 * Runs fn for every host, at most `limit` at once, and never rejects: each host's outcome says whether
 * it worked and, when not, which step failed and why. Outcomes come back in the order of `hosts`.
 */
export async function forEachHost<H extends { name: string }, T>(
  hosts: readonly H[],
  limit: number,
  fn: (host: H, task: HostStepContext) => Promise<T>,
  o: ForEachHostOptions = {},
): Promise<HostOutcome<H, T>[]> {
  const limiter = new Limiter(Math.max(1, Math.floor(limit)));
  const abort = new AbortController();
  return Promise.all(
    hosts.map((host) =>
      limiter.with(async (): Promise<HostOutcome<H, T>> => {
        const started = Date.now();
        if (abort.signal.aborted) return { host, ok: false, step: 'not started', error: new HostError(ErrorCodes.hostsFailed, 'not started: another host failed first'), ms: 0 };
        const tracker = new StepTracker(host.name, o.logger, o.note, abort.signal);
        try {
          const value = await fn(host, tracker.context);
          return { host, ok: true, value, ms: Date.now() - started };
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          if (o.stopOnFailure) abort.abort();
          const inner = error instanceof RemoteStepError ? error.step : undefined;
          const steps = tracker.failedPath();
          const step = [...steps, ...(inner && inner !== steps[steps.length - 1] ? [inner] : [])].join(' > ') || 'start';
          o.logger?.child({ host: host.name }).warn({ step, err: error.message }, 'host failed');
          return { host, ok: false, step, error, ms: Date.now() - started };
        }
      }),
    ),
  );
}

export const failedOutcomes = <H, T>(outcomes: readonly HostOutcome<H, T>[]): Extract<HostOutcome<H, T>, { ok: false }>[] =>
  outcomes.filter((x): x is Extract<HostOutcome<H, T>, { ok: false }> => !x.ok);

/** One problem line per failed host: the host, the step, the message and the fix when the error has one. */
export function outcomeProblems<H extends { name: string }, T>(outcomes: readonly HostOutcome<H, T>[]): Problem[] {
  return failedOutcomes(outcomes).map((f) => {
    const fix = f.error instanceof EtcdlabError ? f.error.problems.find((p) => p.fix)?.fix : undefined;
    const code = f.error instanceof EtcdlabError ? `${f.error.code}: ` : '';
    return { field: f.host.name, message: `step "${f.step}": ${code}${f.error.message}`, ...(fix ? { fix } : {}) };
  });
}

/** Throws a HostError (E_HOSTS_FAILED) naming every failed host and step; returns the values when all worked. */
export function valuesOrThrow<H extends { name: string }, T>(outcomes: readonly HostOutcome<H, T>[], what: string): T[] {
  const failed = failedOutcomes(outcomes);
  if (failed.length > 0) {
    throw new HostError(ErrorCodes.hostsFailed, `${what} failed on ${failed.length} of ${outcomes.length} host(s): ${failed.map((f) => f.host.name).join(', ')}`, { problems: outcomeProblems(outcomes) });
  }
  return outcomes.map((x) => (x as Extract<HostOutcome<H, T>, { ok: true }>).value);
}

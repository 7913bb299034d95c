/**
 * Whether an open-loop phase kept to what it was asked (pure): the rate reached against the rate asked,
 * and the time it took against the time planned. One function, read by the live line, the summary, the
 * report and compare, so they never disagree.
 */

/** Reached below (1 - RATE_MARGIN) x asked is "rate not reached". */
export const RATE_MARGIN = 0.1;
/** A phase that ran longer than planned by more than max(OVERRUN_MIN_MS, OVERRUN_SHARE x planned) overran. */
export const OVERRUN_MIN_MS = 1000;
export const OVERRUN_SHARE = 0.1;

export interface OpenLoopCheck {
  /** Mean asked rate over the planned duration (ramps included). */
  requestedOpsPerSec: number;
  /** Requests started (successes + errors) per second of the planned duration. */
  achievedOpsPerSec: number;
  requestedOps: number;
  startedOps: number;
  /** Started after their due time (every client busy): their latency counts from when they were due. */
  lateStarts: number;
  /** Due before the phase end but never started. */
  droppedStarts: number;
  plannedDurationMs: number;
  durationMs: number;
  rateReached: boolean;
  overran: boolean;
  /** In words, when the phase did not keep to its plan ("rate not reached: 194 of 500/s"). */
  problems: string[];
}

export interface OpenLoopInput {
  requestedOps: number;
  plannedDurationMs: number;
  startedOps: number;
  durationMs: number;
  lateStarts: number;
  droppedStarts: number;
}

const perSec = (n: number, ms: number) => (ms > 0 ? n / (ms / 1000) : 0);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function openLoopCheck(i: OpenLoopInput): OpenLoopCheck {
  const requestedOpsPerSec = perSec(i.requestedOps, i.plannedDurationMs);
  // Starts are made within the planned time (agents drop what is still due at its end), so the rate
  // reached is over the planned time: the slow tail of the last requests does not lower it.
  const achievedOpsPerSec = perSec(i.startedOps, i.plannedDurationMs > 0 ? i.plannedDurationMs : i.durationMs);
  const rateReached = achievedOpsPerSec >= (1 - RATE_MARGIN) * requestedOpsPerSec;
  const overran = i.plannedDurationMs > 0 && i.durationMs - i.plannedDurationMs > Math.max(OVERRUN_MIN_MS, OVERRUN_SHARE * i.plannedDurationMs);
  const problems: string[] = [];
  if (!rateReached) problems.push(`rate not reached: ${fmt(achievedOpsPerSec)} of ${fmt(requestedOpsPerSec)}/s (${i.lateStarts.toLocaleString('en-US')} late, ${i.droppedStarts.toLocaleString('en-US')} dropped starts)`);
  if (overran) problems.push(`ran ${(i.durationMs / 1000).toFixed(1)} s of a planned ${(i.plannedDurationMs / 1000).toFixed(1)} s`);
  return { requestedOpsPerSec, achievedOpsPerSec, requestedOps: i.requestedOps, startedOps: i.startedOps, lateStarts: i.lateStarts, droppedStarts: i.droppedStarts, plannedDurationMs: i.plannedDurationMs, durationMs: i.durationMs, rateReached, overran, problems };
}

/** The live line's short form: reached against asked in the last interval (same margin). */
export function liveRateShort(asked: number, reached: number): { text: string; short: boolean } {
  const short = reached < (1 - RATE_MARGIN) * asked;
  return { text: `rate ${fmt(reached)}/${fmt(asked)}/s${short ? ' NOT REACHED' : ''}`, short };
}

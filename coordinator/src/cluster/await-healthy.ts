/**
 * A bounded wait for every member to answer /health. A cluster that was just faulted (a partition
 * healed, a member restarted) holds an election for a second or two; a run started then should wait
 * for it, not fail at once, and one that never settles fails with the members' own answers.
 */
export interface MemberHealth {
  healthy: boolean;
  detail: string;
}

export interface AwaitHealthyOptions {
  /** How long to wait in all for the sick members to recover. */
  timeoutMs: number;
  /** Time between probes. */
  pollMs: number;
  /** Told once, when the first probe finds a sick member: what is waited for and how long. */
  note?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Probes until every endpoint is healthy or the time is up; returns the last probe's sick endpoints. */
export async function awaitHealthy(probe: () => Promise<Array<readonly [string, MemberHealth]>>, o: AwaitHealthyOptions): Promise<Array<readonly [string, MemberHealth]>> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  let sick = (await probe()).filter(([, h]) => !h.healthy);
  if (sick.length === 0) return sick;
  o.note?.(`waiting up to ${Math.round(o.timeoutMs / 1000)} s for ${sick.map(([e]) => e).join(', ')} to report healthy (${sick[0]![1].detail || 'no answer'})`);
  while (sick.length > 0 && now() < deadline) {
    await sleep(Math.min(o.pollMs, Math.max(0, deadline - now())));
    sick = (await probe()).filter(([, h]) => !h.healthy);
  }
  return sick;
}

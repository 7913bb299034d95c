import { dropOlderThan } from './expiry.js';

/**
 * Puts whose watch events this agent still awaits, keyed by the put's revision, so that a phase's end
 * waits for the events of its last writes instead of guessing from a quiet period. A put's response
 * and its event can arrive in either order, so events that came first are remembered too. Entries
 * older than the horizon are dropped: an event that late (or lost with a failed stream) is not waited
 * for, and memory follows the write rate, not the run's length.
 */
export class PendingEvents {
  private readonly expected = new Map<number, number>();
  private readonly early = new Map<number, number>();
  private lastSweep = 0;

  constructor(private readonly horizonMs = 5_000) {}

  /** A put under a watched key was answered with `revision`. */
  expect(revision: number, now: number): void {
    if (!this.early.delete(revision)) this.expected.set(revision, now);
    this.sweep(now);
  }

  /** A put event for `revision` was delivered. */
  delivered(revision: number, now: number): void {
    if (!this.expected.delete(revision)) this.early.set(revision, now);
    this.sweep(now);
  }

  /** Events still awaited (not older than the horizon as of `now`). */
  outstanding(now: number): number {
    this.sweep(now, true);
    return this.expected.size;
  }

  private sweep(now: number, force = false): void {
    if (!force && now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    dropOlderThan([this.expected, this.early], now - this.horizonMs);
  }
}

import { dropOlderThan } from './expiry.js';

/**
 * When this agent last sent a put for a key, or a delete of a prefix: lets a watcher on the same agent
 * time events whose values carry no stamp (a pattern's values are the user's format). Entries older than
 * the horizon are swept, so memory follows the write rate, not the run's length. When a key is written
 * twice within an event's delay, the event is timed from the later write (an approximation).
 */
export class SendTimes {
  private readonly puts = new Map<string, number>();
  private readonly deletes = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly horizonMs = 10_000) {}

  notePut(key: string, perf: number): void {
    this.puts.delete(key); // re-insert at the end: the map stays in time order for the sweep
    this.puts.set(key, perf);
    this.sweep(perf);
  }

  /** A delete of every key under `prefix` (or of one key). */
  noteDelete(prefix: string, perf: number): void {
    this.deletes.delete(prefix);
    this.deletes.set(prefix, perf);
    this.sweep(perf);
  }

  /** Send time (performance.now()) of the write behind an event on `key`, if this agent made it. */
  lookup(key: Buffer, deleted: boolean): number | undefined {
    const k = key.toString();
    if (!deleted) return this.puts.get(k);
    let best: number | undefined;
    for (const [prefix, t] of this.deletes) if (k.startsWith(prefix)) best = t; // later entries are newer
    return best;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    dropOlderThan([this.puts, this.deletes], now - this.horizonMs);
  }

  get size(): number {
    return this.puts.size + this.deletes.size;
  }
}

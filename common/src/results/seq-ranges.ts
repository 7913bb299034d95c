/**
 * The sequence numbers seen from one agent, as disjoint sorted ranges. Reports arrive nearly in order,
 * so this stays one or two ranges however long a phase runs, where a set of every number would grow by
 * one entry per report (86,400 a day per agent).
 */
export class SeqRanges {
  /** [first, last] pairs, sorted, never touching (touching ranges are joined). */
  private readonly ranges: [number, number][] = [];

  /** Records `seq`; false when it was seen before. */
  add(seq: number): boolean {
    const r = this.ranges;
    // The first range whose last is >= seq - 1: seq belongs in it, extends it, or goes just before it.
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((r[mid] as [number, number])[1] < seq - 1) lo = mid + 1;
      else hi = mid;
    }
    const at = r[lo];
    if (at && at[0] <= seq && seq <= at[1]) return false;
    if (at && at[1] === seq - 1) {
      at[1] = seq;
      const next = r[lo + 1];
      if (next && next[0] === seq + 1) {
        at[1] = next[1];
        r.splice(lo + 1, 1);
      }
    } else if (at && at[0] === seq + 1) {
      at[0] = seq;
    } else {
      r.splice(lo, 0, [seq, seq]);
    }
    return true;
  }

  /** How many ranges are kept (for tests and memory checks). */
  get rangeCount(): number {
    return this.ranges.length;
  }
}

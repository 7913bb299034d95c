/**
 * The throughput knee of a client sweep (pure): the client count after which adding clients buys little
 * throughput and mostly latency. Kneedle (Satopaa et al.) on the rising part of the curve: client counts
 * on a log scale (sweeps double them), both axes normalised to [0, 1], the knee is the point farthest
 * above the straight line from the first point to the peak.
 *
 * Sweeps are noisy: the curve runs to the last point within PLATEAU of the best throughput (a plateau
 * whose highest point came early by chance still counts as a plateau), and a bend smaller than
 * MIN_BEND of the normalised range is no knee.
 */

/** Throughput within this share of the best counts as the same level. */
const PLATEAU = 0.97;
/** The knee must stand at least this far above the line (normalised units). */
const MIN_BEND = 0.05;

export interface SweepPoint {
  clients: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

export interface KneeResult {
  /** The point with the highest throughput: "latency at best throughput". */
  best: SweepPoint;
  /** Absent when there is no bend to find; `why` then says so. */
  knee?: SweepPoint;
  why?: string;
}

export function findKnee(input: readonly SweepPoint[]): KneeResult | undefined {
  const points = [...input].filter((p) => p.clients > 0).sort((a, b) => a.clients - b.clients);
  if (points.length === 0) return undefined;
  const best = points.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
  let end = points.indexOf(best);
  for (let i = points.length - 1; i > end; i--) {
    if ((points[i] as SweepPoint).opsPerSec >= PLATEAU * best.opsPerSec) {
      end = i;
      break;
    }
  }
  const rising = points.slice(0, end + 1);
  if (rising.length < 3) return { best, why: `needs 3 client counts or more up to the best throughput (${rising.length} here)` };
  const xs = rising.map((p) => Math.log2(p.clients));
  const ys = rising.map((p) => p.opsPerSec);
  const [x0, x1] = [xs[0] as number, xs[xs.length - 1] as number];
  const [y0, y1] = [ys[0] as number, ys[ys.length - 1] as number];
  if (x1 === x0 || y1 === y0) return { best, why: 'throughput did not rise' };
  let knee: SweepPoint | undefined;
  let widest = MIN_BEND;
  rising.forEach((p, i) => {
    const gap = ((ys[i] as number) - y0) / (y1 - y0) - ((xs[i] as number) - x0) / (x1 - x0);
    if (gap > widest) {
      widest = gap;
      knee = p;
    }
  });
  // No point above the line: throughput rose as fast or faster up to its best (or too unevenly to bend).
  return knee ? { best, knee } : { best, why: `throughput did not level off before its best point (${best.clients} clients)` };
}

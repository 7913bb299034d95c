/**
 * Gunther's Universal Scalability Law, fitted by least squares (pure):
 *   X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))
 * sigma = contention (serialization), kappa = coherency (crosstalk), lambda = throughput of one unit.
 * For given sigma and kappa the best lambda has a closed form, so only (sigma, kappa) are searched: a
 * grid over sigma in [0, 1] and kappa in {0} + [1e-7, 1] (log), then a bounded pattern search around the
 * best cell. Deterministic: the same points always give the same fit.
 */

export interface UslPoint {
  n: number;
  x: number;
}

export interface UslFit {
  sigma: number;
  kappa: number;
  lambda: number;
  /** Coefficient of determination over the points fitted. */
  r2: number;
  /** Where throughput peaks (sqrt((1 - sigma) / kappa)); absent when kappa is 0 (no retrograde region). */
  peakN?: number;
  peakX?: number;
  points: number;
}

/** The fewest distinct N for a fit that is more than three parameters through three points. */
export const USL_MIN_POINTS = 4;

export const uslAt = (n: number, f: Pick<UslFit, 'sigma' | 'kappa' | 'lambda'>): number => (f.lambda * n) / (1 + f.sigma * (n - 1) + f.kappa * n * (n - 1));

function bestLambda(points: readonly UslPoint[], sigma: number, kappa: number): { lambda: number; sse: number } {
  let num = 0;
  let den = 0;
  const shape = points.map((p) => p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1)));
  points.forEach((p, i) => {
    const f = shape[i] as number;
    num += p.x * f;
    den += f * f;
  });
  const lambda = den > 0 ? num / den : 0;
  const sse = points.reduce((a, p, i) => a + (p.x - lambda * (shape[i] as number)) ** 2, 0);
  return { lambda, sse };
}

/** Fits the law; undefined with fewer than USL_MIN_POINTS distinct N or no positive throughput. */
export function fitUsl(input: readonly UslPoint[]): UslFit | undefined {
  const points = input.filter((p) => Number.isFinite(p.n) && Number.isFinite(p.x) && p.n > 0 && p.x >= 0);
  if (new Set(points.map((p) => p.n)).size < USL_MIN_POINTS || !points.some((p) => p.x > 0)) return undefined;
  const kappas = [0, ...Array.from({ length: 71 }, (_, i) => 10 ** (-7 + i / 10))];
  let best = { sigma: 0, kappa: 0, ...bestLambda(points, 0, 0) };
  for (let i = 0; i <= 100; i++) {
    const sigma = i / 100;
    for (const kappa of kappas) {
      const r = bestLambda(points, sigma, kappa);
      if (r.sse < best.sse) best = { sigma, kappa, ...r };
    }
  }
  // Pattern search: move while it helps, halve the steps when it does not.
  let stepS = 0.01;
  let stepK = Math.max(best.kappa, 1e-7);
  for (let iter = 0; iter < 400 && (stepS > 1e-9 || stepK > 1e-14); iter++) {
    let moved = false;
    for (const [ds, dk] of [[stepS, 0], [-stepS, 0], [0, stepK], [0, -stepK]] as const) {
      const sigma = Math.min(1, Math.max(0, best.sigma + ds));
      const kappa = Math.max(0, best.kappa + dk);
      const r = bestLambda(points, sigma, kappa);
      if (r.sse < best.sse - 1e-12 * Math.max(1, best.sse)) {
        best = { sigma, kappa, ...r };
        moved = true;
      }
    }
    if (!moved) {
      stepS /= 2;
      stepK /= 2;
    }
  }
  const mean = points.reduce((a, p) => a + p.x, 0) / points.length;
  const sst = points.reduce((a, p) => a + (p.x - mean) ** 2, 0);
  const fit: UslFit = { sigma: best.sigma, kappa: best.kappa, lambda: best.lambda, r2: sst > 0 ? 1 - best.sse / sst : 1, points: points.length };
  if (best.kappa > 0 && best.sigma < 1) {
    fit.peakN = Math.sqrt((1 - best.sigma) / best.kappa);
    fit.peakX = uslAt(fit.peakN, fit);
  }
  return fit;
}

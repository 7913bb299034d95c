/**
 * Repeats (pure): the runs of a comparison at the same position on its axis (sweep --repeat N, the same
 * size compared twice, or without an axis the same configuration) become one point with the mean, the spread and a 95% confidence interval of
 * the mean (Student's t), so a difference between points can be read against the noise between runs.
 */
import type { CompareRow, Role } from './model.js';

export interface Spread {
  n: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation; 0 for one run. */
  sd: number;
  /** 95% confidence interval of the mean; absent for one run (no spread to estimate). */
  ci95?: [number, number];
}

export interface ComparePoint {
  x: number;
  runIds: string[];
  /** Mixed: its reads and writes apart too. */
  roles: Partial<Record<Role, { opsPerSec: Spread; p99Us: Spread; phase: string; readOpsPerSec?: Spread; writeOpsPerSec?: Spread }>>;
  main: { phase: string; opsPerSec: Spread; p50Us: Spread; p99Us: Spread };
}

/** Student's t at 0.975 (a two-sided 95% interval), by degrees of freedom: 1..30 each, then sparser. */
const T975: readonly (readonly [number, number])[] = [
  ...[12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042].map((t, i) => [i + 1, t] as const),
  [40, 2.021],
  [50, 2.009],
  [60, 2.0],
  [80, 1.99],
  [100, 1.984],
  [120, 1.98],
];
/** The normal's 0.975 quantile: t's limit as the degrees of freedom grow. */
const Z975 = 1.96;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom. Between the table's entries, and from
 * 120 to the normal's limit, it is interpolated linearly in 1/df, along which t is nearly straight (within
 * 0.001 of the exact value everywhere); below 1 degree of freedom there is no interval (Infinity).
 */
export function t975(df: number): number {
  if (!(df >= 1)) return Infinity;
  const hi = T975.findIndex(([d]) => d >= df);
  if (hi < 0) {
    const [d, t] = T975[T975.length - 1] as readonly [number, number];
    return Z975 + (t - Z975) * (d / df);
  }
  const [d1, t1] = T975[hi] as readonly [number, number];
  if (d1 === df || hi === 0) return t1;
  const [d0, t0] = T975[hi - 1] as readonly [number, number];
  const w = (1 / d0 - 1 / df) / (1 / d0 - 1 / d1);
  return t0 + (t1 - t0) * w;
}

export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, min: 0, max: 0, sd: 0 };
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (t975(n - 1) * sd) / Math.sqrt(n) : 0;
  return { n, mean, min: Math.min(...values), max: Math.max(...values), sd, ...(n > 1 ? { ci95: [mean - half, mean + half] as [number, number] } : {}) };
}

/** The rows grouped by x, in x order (rows must be sorted by x). */
export function pointsOf(rows: readonly CompareRow[], roles: readonly Role[]): ComparePoint[] {
  const groups = new Map<number, CompareRow[]>();
  for (const r of rows) groups.set(r.x, [...(groups.get(r.x) ?? []), r]);
  return [...groups.entries()].map(([x, rs]) => {
    const point: ComparePoint = {
      x,
      runIds: rs.map((r) => r.runId),
      roles: {},
      main: { phase: rs[0]?.main.phase ?? '-', opsPerSec: spreadOf(rs.map((r) => r.main.opsPerSec)), p50Us: spreadOf(rs.map((r) => r.main.p50Us)), p99Us: spreadOf(rs.map((r) => r.main.p99Us)) },
    };
    for (const role of roles) {
      const figs = rs.flatMap((r) => (r.roles[role] ? [r.roles[role]] : []));
      if (!figs.length) continue;
      const reads = figs.flatMap((f) => (f.readOpsPerSec !== undefined ? [f.readOpsPerSec] : []));
      const writes = figs.flatMap((f) => (f.writeOpsPerSec !== undefined ? [f.writeOpsPerSec] : []));
      point.roles[role] = {
        phase: figs[0]?.phase ?? '-',
        opsPerSec: spreadOf(figs.map((f) => f.opsPerSec)),
        p99Us: spreadOf(figs.map((f) => f.p99Us)),
        ...(reads.length ? { readOpsPerSec: spreadOf(reads) } : {}),
        ...(writes.length ? { writeOpsPerSec: spreadOf(writes) } : {}),
      };
    }
    return point;
  });
}

/** Whether any point has more than one run (then spreads are shown). */
export const hasRepeats = (points: readonly ComparePoint[]): boolean => points.some((p) => p.runIds.length > 1);

/**
 * Repeats (pure): the runs of a comparison at the same position on its axis (sweep --repeat N, or the
 * same size compared twice) become one point with the mean, the spread and a 95% confidence interval of
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

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond that the normal's. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
export const t975 = (df: number): number => T975[df - 1] ?? 1.96;

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

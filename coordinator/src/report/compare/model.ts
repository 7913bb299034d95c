import type { ReportModel, ReportPhase } from '../model/types.js';
import { findKnee, type KneeResult } from './knee.js';
import { type ComparePoint, pointsOf } from './points.js';
import { fitUsl, USL_MIN_POINTS, type UslFit } from './usl.js';

export const COMPARE_SCHEMA_VERSION = 2;

/** Below this R² a USL fit is shown as poor: its parameters say little. */
export const USL_GOOD_R2 = 0.9;

/** The four tests of the first seed's benchmark, found in any workload by their op mix and clients. */
export const ROLES = ['sequentialWrite', 'sequentialRead', 'concurrentWrite', 'mixed'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_LABEL: Record<Role, string> = { sequentialWrite: 'sequential write', sequentialRead: 'sequential read', concurrentWrite: 'concurrent write', mixed: 'mixed' };

export interface RoleFigures {
  phase: string;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  /** Mixed only: its reads and writes apart. */
  readOpsPerSec?: number;
  writeOpsPerSec?: number;
}

export interface CompareRow {
  runId: string;
  /** The run's --name, when it has one. */
  name?: string;
  dir: string;
  members: number;
  /** Clients of the run's main phase (the phase a client sweep varies). */
  clients?: number;
  /** The position on the comparison's axis; without one (axis run), the number of the run's configuration. */
  x: number;
  roles: Partial<Record<Role, RoleFigures>>;
  /** The run's workload (a comparison of different workloads is warned about). */
  workload: string;
  /** The main phase: every op together. */
  main: RoleFigures;
  verdict: string;
  warnings: number;
  etcdFlags: number;
}

export interface Scaling {
  role: Role;
  fromX: number;
  toX: number;
  fromOpsPerSec: number;
  toOpsPerSec: number;
  /** to / from. */
  ratio: number;
}

export interface CompareModel {
  schema: 'etcdlab-compare';
  schemaVersion: number;
  /** members: cluster sizes differ; clients: the main phase's clients differ; run: neither (points are configurations). */
  axis: 'members' | 'clients' | 'run';
  rows: CompareRow[];
  /** The rows grouped by x: one per size, client count or configuration, with mean, spread and 95% CI over its runs. */
  points: ComparePoint[];
  /** Smallest to largest point, from the points' means; none without an axis (configurations have no order). */
  scaling: Scaling[];
  /**
   * Client sweeps only: the Universal Scalability Law fitted to the points' means (as the knee), with what it may be read
   * for (the measured range, the fit's goodness). Cluster sizes get none: a member adds replication
   * work, not capacity, which is not the law's model; `scaling` says what each size costs instead.
   */
  usl: { role: Role | 'main'; fit?: UslFit; note: string; limits?: string[] }[];
  /** What makes the comparison doubtful (different workloads). */
  warnings: string[];
  /** Client sweeps: the knee and the latency at best throughput. */
  knee?: KneeResult;
}

export function roleOf(p: ReportPhase): Role | undefined {
  const ops = Object.keys(p.ops).sort().join(',');
  const one = (p.clients ?? 1) <= 1;
  if (ops === 'put') return one ? 'sequentialWrite' : 'concurrentWrite';
  if (ops === 'get') return one ? 'sequentialRead' : undefined;
  if (ops === 'get,put') return 'mixed';
  return undefined;
}

const figures = (p: ReportPhase): RoleFigures => {
  const f: RoleFigures = { phase: p.name, opsPerSec: p.all.throughputOpsPerSec, p50Us: p.all.latencyUs.p50, p99Us: p.all.latencyUs.p99 };
  if (p.ops.get && p.ops.put) {
    f.readOpsPerSec = p.ops.get.throughputOpsPerSec;
    f.writeOpsPerSec = p.ops.put.throughputOpsPerSec;
  }
  return f;
};

/** The run's main phase: the one with the most operations (a sweep's workload usually has one). */
const mainPhase = (m: ReportModel): ReportPhase | undefined => [...m.phases].sort((a, b) => b.all.count - a.all.count)[0];

function row(m: ReportModel, dir: string): Omit<CompareRow, 'x'> {
  const roles: CompareRow['roles'] = {};
  for (const p of m.phases) {
    const r = roleOf(p);
    if (r && !roles[r]) roles[r] = figures(p);
  }
  const main = mainPhase(m);
  return {
    runId: m.run.runId,
    ...(m.run.name ? { name: m.run.name } : {}),
    dir,
    members: m.run.cluster.members,
    ...(main?.clients !== undefined ? { clients: main.clients } : {}),
    workload: m.run.workload.name,
    roles,
    main: main ? figures(main) : { phase: '-', opsPerSec: 0, p50Us: 0, p99Us: 0 },
    verdict: m.verdict.status,
    warnings: m.warnings.length,
    // Every flag of the run: per phase, over the whole run, per host.
    etcdFlags: [...m.phases.flatMap((p) => p.etcd), ...m.etcd.run, ...m.hosts].reduce((a, w) => a + w.flags.length, 0),
  };
}

/** The axis in words (titles, chart axes): without one, the points are configurations. */
export const axisName = (c: Pick<CompareModel, 'axis'>): string => (c.axis === 'run' ? 'configuration' : c.axis);

/** What makes runs repeats of one another when no axis varies: cluster size, clients, workload. */
const configOf = (r: Pick<CompareRow, 'members' | 'clients' | 'workload'>): string => JSON.stringify([r.members, r.clients ?? null, r.workload]);

/**
 * Compares runs (pure): cluster sizes when the runs' member counts differ (the first seed's table:
 * sequential write, sequential read, concurrent write, mixed; write and read latency), client counts
 * when those differ. Scaling from the smallest to the largest, and a USL fit where there are enough points.
 */
export function buildComparison(models: readonly { model: ReportModel; dir: string }[]): CompareModel {
  const base = models.map(({ model, dir }) => row(model, dir));
  const axis: CompareModel['axis'] = new Set(base.map((r) => r.members)).size > 1 ? 'members' : new Set(base.map((r) => r.clients)).size > 1 ? 'clients' : 'run';
  // Without an axis the runs are repeats of configurations (sweep --members 3 --repeat 5): one position per
  // configuration, numbered in the order first given, so that repeats become one point like any other.
  const configs = [...new Set(base.map(configOf))];
  const rows: CompareRow[] = base
    .map((r) => ({ ...r, x: axis === 'members' ? r.members : axis === 'clients' ? (r.clients ?? 0) : configs.indexOf(configOf(r)) + 1 }))
    .sort((a, b) => a.x - b.x || a.runId.localeCompare(b.runId));

  // Repeats are one point each; the findings read the points' means (one place for every output).
  const points = pointsOf(rows, ROLES);
  const scaling: Scaling[] = [];
  const first = points[0];
  const last = points[points.length - 1];
  // Configurations have no order to scale along: only a members or clients axis has a smallest and a largest.
  if (first && last && first !== last && axis !== 'run')
    for (const role of ROLES) {
      const a = first.roles[role]?.opsPerSec.mean;
      const b = last.roles[role]?.opsPerSec.mean;
      if (a !== undefined && b !== undefined) scaling.push({ role, fromX: first.x, toX: last.x, fromOpsPerSec: a, toOpsPerSec: b, ratio: a > 0 ? b / a : 0 });
    }

  const usl: CompareModel['usl'] = [];
  if (axis === 'clients') {
    // Fitted to the points' means, as the knee is found on them: one curve, one reading of repeats.
    const pts = points.map((p) => ({ n: p.x, x: p.main.opsPerSec.mean }));
    const fit = fitUsl(pts);
    usl.push(fit ? { role: 'main', fit, note: `fitted to the means of ${fit.points} client counts (${rows.length} runs)`, limits: uslLimits(fit, pts.map((p) => p.n)) } : { role: 'main', note: `needs ${USL_MIN_POINTS} different client counts or more (${pts.length} here)` });
  }
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const warnings = workloads.length > 1 ? [`runs of different workloads are compared (${workloads.map((w) => `${w}: ${rows.filter((r) => r.workload === w).length} run(s)`).join(', ')}): their figures measure different things${axis === 'clients' ? ', so this is not a client sweep' : ''}`] : [];

  const out: CompareModel = { schema: 'etcdlab-compare', schemaVersion: COMPARE_SCHEMA_VERSION, axis, rows, points, scaling, usl, warnings };
  if (axis === 'clients') {
    const knee = findKnee(points.map((p) => ({ clients: p.x, opsPerSec: p.main.opsPerSec.mean, p50Us: p.main.p50Us.mean, p99Us: p.main.p99Us.mean })));
    if (knee) out.knee = knee;
  }
  return out;
}

/** What a fit may be read for: the measured range, its goodness, a peak outside what was measured. */
export function uslLimits(fit: UslFit, ns: readonly number[]): string[] {
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const out = [`measured from ${lo} to ${hi} clients; the curve is drawn only there`];
  if (fit.r2 < USL_GOOD_R2) out.push(`a poor fit (R² ${fit.r2.toFixed(2)} < ${USL_GOOD_R2}): its parameters and peak say little`);
  if (fit.peakN !== undefined && (fit.peakN < lo || fit.peakN > hi)) out.push(`its peak (${fit.peakN.toFixed(0)} clients) lies outside the measured range: an extrapolation, not a measurement`);
  return out;
}

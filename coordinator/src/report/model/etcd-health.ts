import { addBuckets, type Buckets, bucketDelta, bucketTotal, type EtcdMetricName, histogramQuantile, type MetricsSample, toBuckets } from '../../metrics/index.js';
import type { EtcdHealth, EtcdPoint, EtcdWindow, Flag } from './types.js';

/** etcd's own guidance (op-guide/monitoring, hardware): wal fsync p99 under 10 ms, backend commit p99 under 25 ms. */
export const ETCD_THRESHOLDS = { fsyncP99Ms: 10, commitP99Ms: 25 } as const;

type Sample = MetricsSample;
const series = (s: Sample, name: EtcdMetricName) => s.metrics?.[name];

function gauge(s: Sample | undefined, ...names: EtcdMetricName[]): number | undefined {
  for (const n of names) {
    const v = s ? series(s, n)?.[0]?.value : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** later - earlier for a counter; a counter that went down restarted from zero. */
function counterDelta(a: Sample, b: Sample, name: EtcdMetricName): number {
  const x = gauge(a, name) ?? 0;
  const y = gauge(b, name);
  if (y === undefined) return 0;
  return y >= x ? y - x : y;
}

/** A histogram family's delta, all label sets added together (peer round trips go to several peers). */
function histDelta(a: Sample, b: Sample, name: EtcdMetricName): Buckets {
  const before = series(a, name) ?? [];
  const deltas = (series(b, name) ?? []).map((s) => {
    const key = JSON.stringify(s.labels ?? {});
    const prev = before.find((p) => JSON.stringify(p.labels ?? {}) === key);
    return bucketDelta(toBuckets(prev?.buckets), toBuckets(s.buckets));
  });
  return addBuckets(deltas);
}

const p99Ms = (b: Buckets): number | undefined => {
  const q = histogramQuantile(0.99, b);
  return q === undefined ? undefined : Math.round(q * 1000 * 1000) / 1000;
};

/** Flags for one window, in words. */
export function etcdFlags(w: Omit<EtcdWindow, 'flags'>): Flag[] {
  const flags: Flag[] = [];
  const t = ETCD_THRESHOLDS;
  if (w.fsyncP99Ms !== undefined && w.fsyncP99Ms > t.fsyncP99Ms)
    flags.push({ level: 'bad', metric: 'wal fsync p99', message: `${w.member}: WAL fsync p99 ${w.fsyncP99Ms.toFixed(1)} ms is above ${t.fsyncP99Ms} ms: the disk is too slow for etcd` });
  if (w.commitP99Ms !== undefined && w.commitP99Ms > t.commitP99Ms)
    flags.push({ level: 'bad', metric: 'backend commit p99', message: `${w.member}: backend commit p99 ${w.commitP99Ms.toFixed(1)} ms is above ${t.commitP99Ms} ms: the disk is too slow for etcd` });
  if (w.leaderChanges > 0) flags.push({ level: 'bad', metric: 'leader changes', message: `${w.member}: ${w.leaderChanges} leader change(s): elections stall writes` });
  if (w.hasLeaderMin === 0) flags.push({ level: 'bad', metric: 'has leader', message: `${w.member}: had no leader at some scrape` });
  if (w.proposalsFailed > 0) flags.push({ level: 'warn', metric: 'proposals failed', message: `${w.member}: ${w.proposalsFailed} failed proposal(s)` });
  if (w.failedScrapes > 0) flags.push({ level: 'warn', metric: 'scrapes', message: `${w.member}: ${w.failedScrapes} scrape(s) of /metrics failed` });
  return flags;
}

/**
 * One member over [fromMs, toMs]: the last good scrape at or before the start and the first at or after
 * the end bracket the window (a phase shorter than the scrape interval is covered by one interval).
 */
export function etcdWindow(member: string, samples: readonly Sample[], fromMs: number, toMs: number): EtcdWindow {
  const ok = samples.filter((s) => s.ok);
  const a = [...ok].reverse().find((s) => s.t <= fromMs) ?? ok.find((s) => s.t >= fromMs);
  const b = ok.find((s) => s.t >= toMs) ?? [...ok].reverse().find((s) => s.t <= toMs);
  const failedScrapes = samples.filter((s) => !s.ok && s.t >= fromMs && s.t <= toMs).length;
  const base = { member, failedScrapes, fsyncCount: 0, commitCount: 0, leaderChanges: 0, proposalsFailed: 0, proposalsCommitted: 0 };
  if (!a || !b || b.t <= a.t) return { ...base, scrapes: a || b ? 1 : 0, spanMs: 0, flags: etcdFlags({ ...base, scrapes: 0, spanMs: 0 }) };
  const inside = ok.filter((s) => s.t >= a.t && s.t <= b.t);
  const fsync = histDelta(a, b, 'etcd_disk_wal_fsync_duration_seconds');
  const commit = histDelta(a, b, 'etcd_disk_backend_commit_duration_seconds');
  const rtt = histDelta(a, b, 'etcd_network_peer_round_trip_time_seconds');
  const spanMs = b.t - a.t;
  const pending = inside.map((s) => gauge(s, 'etcd_server_proposals_pending')).filter((v): v is number => v !== undefined);
  const hasLeader = inside.map((s) => gauge(s, 'etcd_server_has_leader')).filter((v): v is number => v !== undefined);
  const rss = inside.map((s) => gauge(s, 'process_resident_memory_bytes')).filter((v): v is number => v !== undefined);
  const cpuA = gauge(a, 'process_cpu_seconds_total');
  const cpuB = gauge(b, 'process_cpu_seconds_total');
  const w: Omit<EtcdWindow, 'flags'> = {
    ...base,
    scrapes: inside.length,
    spanMs: Math.round(spanMs),
    fsyncCount: bucketTotal(fsync),
    commitCount: bucketTotal(commit),
    leaderChanges: counterDelta(a, b, 'etcd_server_leader_changes_seen_total'),
    proposalsFailed: counterDelta(a, b, 'etcd_server_proposals_failed_total'),
    proposalsCommitted: counterDelta(a, b, 'etcd_server_proposals_committed_total'),
  };
  const opt = {
    fsyncP99Ms: p99Ms(fsync),
    commitP99Ms: p99Ms(commit),
    peerRttP99Ms: p99Ms(rtt),
    proposalsPendingMax: pending.length ? Math.max(...pending) : undefined,
    hasLeaderMin: hasLeader.length ? Math.min(...hasLeader) : undefined,
    isLeader: gauge(b, 'etcd_server_is_leader') === undefined ? undefined : gauge(b, 'etcd_server_is_leader') === 1,
    dbSizeBytes: gauge(b, 'etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes'),
    dbSizeInUseBytes: gauge(b, 'etcd_mvcc_db_total_size_in_use_in_bytes'),
    cpuCores: cpuA !== undefined && cpuB !== undefined && cpuB >= cpuA ? Math.round(((cpuB - cpuA) / (spanMs / 1000)) * 1000) / 1000 : undefined,
    rssBytesMax: rss.length ? Math.max(...rss) : undefined,
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (w as Record<string, unknown>)[k] = v;
  return { ...w, flags: etcdFlags(w) };
}

/** Per member: one point per pair of consecutive good scrapes. */
function memberTimeline(samples: readonly Sample[], baseMs: number): EtcdPoint[] {
  const ok = samples.filter((s) => s.ok);
  const first = ok[0];
  const out: EtcdPoint[] = [];
  for (let i = 1; i < ok.length; i++) {
    const a = ok[i - 1] as Sample;
    const b = ok[i] as Sample;
    const cpuA = gauge(a, 'process_cpu_seconds_total');
    const cpuB = gauge(b, 'process_cpu_seconds_total');
    const p: EtcdPoint = { offsetSec: Math.round(b.t - baseMs) / 1000 };
    const set = <K extends keyof EtcdPoint>(k: K, v: EtcdPoint[K] | undefined) => {
      if (v !== undefined) p[k] = v;
    };
    const fsync = histDelta(a, b, 'etcd_disk_wal_fsync_duration_seconds');
    const commit = histDelta(a, b, 'etcd_disk_backend_commit_duration_seconds');
    set('fsyncP99Ms', p99Ms(fsync));
    set('commitP99Ms', p99Ms(commit));
    set('peerRttP99Ms', p99Ms(histDelta(a, b, 'etcd_network_peer_round_trip_time_seconds')));
    set('proposalsPending', gauge(b, 'etcd_server_proposals_pending'));
    set('dbSizeBytes', gauge(b, 'etcd_mvcc_db_total_size_in_bytes', 'etcd_debugging_mvcc_db_total_size_in_bytes'));
    set('hasLeader', gauge(b, 'etcd_server_has_leader'));
    if (first) set('leaderChanges', counterDelta(first, b, 'etcd_server_leader_changes_seen_total'));
    if (cpuA !== undefined && cpuB !== undefined && cpuB >= cpuA && b.t > a.t) set('cpuCores', Math.round(((cpuB - cpuA) / ((b.t - a.t) / 1000)) * 1000) / 1000);
    out.push(p);
  }
  return out;
}

export function groupByMember(samples: readonly Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) m.set(s.member, [...(m.get(s.member) ?? []), s]);
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
}

export function etcdHealth(samples: readonly Sample[], baseMs: number): EtcdHealth {
  const byMember = groupByMember(samples);
  const run: EtcdWindow[] = [];
  const timeline: EtcdHealth['timeline'] = {};
  for (const [member, list] of byMember) {
    const ts = list.map((s) => s.t);
    run.push(etcdWindow(member, list, Math.min(...ts), Math.max(...ts)));
    timeline[member] = memberTimeline(list, baseMs);
  }
  return { thresholds: { ...ETCD_THRESHOLDS }, run, timeline };
}

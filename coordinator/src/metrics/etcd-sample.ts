import { type PromFamily, parsePrometheusText } from './prom-text.js';

/**
 * The etcd server metrics etcdlab keeps (raw, cumulative, as etcd reports them; figures such as a p99 are
 * computed later from the differences between scrapes). Names per etcd's metrics guide; the db size has
 * two names across versions.
 */
export const ETCD_METRIC_FAMILIES = [
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'etcd_server_leader_changes_seen_total',
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_proposals_failed_total',
  'etcd_server_proposals_pending',
  'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total',
  'etcd_server_slow_apply_total',
  'etcd_server_heartbeat_send_failures_total',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_debugging_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes',
  'etcd_network_peer_round_trip_time_seconds',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
] as const;
export type EtcdMetricName = (typeof ETCD_METRIC_FAMILIES)[number];

/** One series of a family: a plain value, or a histogram's cumulative buckets. */
export interface MetricSeries {
  labels?: Record<string, string>;
  value?: number;
  /** [upper bound as etcd wrote it ("0.001", "+Inf"), cumulative count], in etcd's order. */
  buckets?: [string, number][];
  sum?: number;
  count?: number;
}

/** One line of metrics/<member>.jsonl: one scrape of one member. */
export interface MetricsSample {
  /** When the scrape was sent, coordinator clock (ms since the epoch): the run's clock. */
  t: number;
  member: string;
  ok: boolean;
  /** How long the scrape took (ms). */
  tookMs?: number;
  error?: string;
  metrics?: Partial<Record<EtcdMetricName, MetricSeries[]>>;
}

const wanted = new Set<string>(ETCD_METRIC_FAMILIES);

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function compactFamily(f: PromFamily): MetricSeries[] {
  if (f.type !== 'histogram') {
    return f.samples.map((s) => ({ ...(Object.keys(s.labels).length ? { labels: s.labels } : {}), value: s.value }));
  }
  // Group a histogram's samples by their labels without `le`.
  const bySeries = new Map<string, MetricSeries>();
  for (const s of f.samples) {
    const { le, ...labels } = s.labels;
    const key = labelKey(labels);
    let series = bySeries.get(key);
    if (!series) bySeries.set(key, (series = { ...(Object.keys(labels).length ? { labels } : {}), buckets: [] }));
    if (s.name.endsWith('_bucket') && le !== undefined) series.buckets?.push([le, s.value]);
    else if (s.name.endsWith('_sum')) series.sum = s.value;
    else if (s.name.endsWith('_count')) series.count = s.value;
  }
  return [...bySeries.values()];
}

/** Keeps etcdlab's families from a /metrics text. */
export function extractEtcdMetrics(text: string): { metrics: Partial<Record<EtcdMetricName, MetricSeries[]>>; errors: string[] } {
  const { families, errors } = parsePrometheusText(text, (name) => wanted.has(name));
  const metrics: Partial<Record<EtcdMetricName, MetricSeries[]>> = {};
  for (const name of ETCD_METRIC_FAMILIES) {
    const f = families.get(name);
    if (f && f.samples.length) metrics[name] = compactFamily(f);
  }
  return { metrics, errors };
}

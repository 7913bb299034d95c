import type { EtcdMetricName, MetricSeries } from '../metrics/index.js';
import type { LiveModel } from './live-model.js';
import { type Labels, labelName, PromWriter } from './prom-format.js';

/** etcd's families as the live view re-exports them from the coordinator's own scrapes (docs/live.md). */
const ETCD_EXPORTS: { from: EtcdMetricName; name: string; kind: 'counter' | 'gauge' | 'histogram'; help: string }[] = [
  { from: 'etcd_server_has_leader', name: 'etcdlab_etcd_has_leader', kind: 'gauge', help: 'etcd: 1 when the member has a leader (latest scrape)' },
  { from: 'etcd_server_is_leader', name: 'etcdlab_etcd_is_leader', kind: 'gauge', help: 'etcd: 1 when the member is the leader (latest scrape)' },
  { from: 'etcd_server_leader_changes_seen_total', name: 'etcdlab_etcd_leader_changes_seen_total', kind: 'counter', help: 'etcd: leader changes the member has seen' },
  { from: 'etcd_server_proposals_committed_total', name: 'etcdlab_etcd_proposals_committed_total', kind: 'counter', help: 'etcd: consensus proposals committed' },
  { from: 'etcd_server_proposals_applied_total', name: 'etcdlab_etcd_proposals_applied_total', kind: 'counter', help: 'etcd: consensus proposals applied' },
  { from: 'etcd_server_proposals_failed_total', name: 'etcdlab_etcd_proposals_failed_total', kind: 'counter', help: 'etcd: failed proposals' },
  { from: 'etcd_server_proposals_pending', name: 'etcdlab_etcd_proposals_pending', kind: 'gauge', help: 'etcd: proposals pending' },
  { from: 'etcd_server_slow_apply_total', name: 'etcdlab_etcd_slow_apply_total', kind: 'counter', help: 'etcd: applies that took too long' },
  { from: 'etcd_server_heartbeat_send_failures_total', name: 'etcdlab_etcd_heartbeat_send_failures_total', kind: 'counter', help: 'etcd: leader heartbeats that could not be sent' },
  { from: 'etcd_mvcc_db_total_size_in_bytes', name: 'etcdlab_etcd_db_total_size_bytes', kind: 'gauge', help: 'etcd: backend database size (bytes)' },
  { from: 'etcd_mvcc_db_total_size_in_use_in_bytes', name: 'etcdlab_etcd_db_total_size_in_use_bytes', kind: 'gauge', help: 'etcd: backend database size in use (bytes)' },
  { from: 'etcd_disk_wal_fsync_duration_seconds', name: 'etcdlab_etcd_wal_fsync_duration_seconds', kind: 'histogram', help: "etcd: WAL fsync latency (etcd's own buckets)" },
  { from: 'etcd_disk_backend_commit_duration_seconds', name: 'etcdlab_etcd_backend_commit_duration_seconds', kind: 'histogram', help: "etcd: backend commit latency (etcd's own buckets)" },
  { from: 'etcd_network_peer_round_trip_time_seconds', name: 'etcdlab_etcd_peer_round_trip_time_seconds', kind: 'histogram', help: "etcd: round trip to each peer (etcd's own buckets)" },
  { from: 'process_cpu_seconds_total', name: 'etcdlab_etcd_process_cpu_seconds_total', kind: 'counter', help: 'etcd: CPU time of the member process' },
  { from: 'process_resident_memory_bytes', name: 'etcdlab_etcd_process_resident_memory_bytes', kind: 'gauge', help: 'etcd: resident memory of the member process' },
];

const seriesLabels = (member: string, s: MetricSeries): Labels => {
  const out: Labels = { member };
  for (const [k, v] of Object.entries(s.labels ?? {})) {
    const n = labelName(k);
    out[n === 'member' || n === 'le' ? `etcd_${n}` : n] = v;
  }
  return out;
};

/** The old name of the db size (etcd 3.3 and earlier) when the new one is missing. */
const etcdFamily = (m: NonNullable<ReturnType<LiveModel['memberList']>[number]['metrics']>, from: EtcdMetricName): MetricSeries[] | undefined =>
  m[from] ?? (from === 'etcd_mvcc_db_total_size_in_bytes' ? m.etcd_debugging_mvcc_db_total_size_in_bytes : undefined);

/**
 * The live model as Prometheus text. Requests and errors are counters per phase and op (every phase that
 * has begun, ended ones frozen at their end), latencies histograms in seconds from the merged HDR
 * histograms; there is no op "all" (sum() over op gives it, without counting twice).
 */
export function renderMetrics(model: LiveModel, nowMs: number): string {
  const w = new PromWriter();
  w.family('etcdlab_run_info', 'gauge', 'the run this coordinator is running (always 1)').sample('etcdlab_run_info', { run_id: model.runId, workload: model.workload.name }, 1);
  w.family('etcdlab_live_time_seconds', 'gauge', "the coordinator's clock at this scrape (seconds since the epoch): the run's clock").sample('etcdlab_live_time_seconds', {}, nowMs / 1000);

  const phases = model.phaseList();
  w.family('etcdlab_phase_state', 'gauge', 'each phase of the workload: 1 for its state (pending, running, completed, interrupted, incomplete, failed)');
  for (const p of phases) w.sample('etcdlab_phase_state', { phase: p.name, state: p.state }, 1);
  w.family('etcdlab_phase_elapsed_seconds', 'gauge', 'time since the measured start of a running phase, or the wall time of an ended one');
  for (const p of phases) if (p.elapsedSec !== undefined) w.sample('etcdlab_phase_elapsed_seconds', { phase: p.name }, p.elapsedSec);
  w.family('etcdlab_rate_asked_ops_per_second', 'gauge', "open loop, running phase: the rate the workload asks for at the live interval");
  for (const p of phases) if (p.askedOpsPerSec !== undefined) w.sample('etcdlab_rate_asked_ops_per_second', { phase: p.name }, p.askedOpsPerSec);
  w.family('etcdlab_rate_reached_ops_per_second', 'gauge', 'running phase: requests started per second (successes and errors) in the latest interval every agent reported');
  for (const p of phases) if (p.reachedOpsPerSec !== undefined) w.sample('etcdlab_rate_reached_ops_per_second', { phase: p.name }, p.reachedOpsPerSec);

  const totals = model.totals();
  w.family('etcdlab_requests_total', 'counter', 'successful operations per phase and op (watch events are ops of their own)');
  for (const t of totals) for (const o of t.ops) w.sample('etcdlab_requests_total', { phase: t.phase, op: o.op }, o.count);
  w.family('etcdlab_errors_total', 'counter', 'failed operations per phase, op and gRPC status name (transport failures as UNAVAILABLE)');
  for (const t of totals) for (const o of t.ops) for (const [code, n] of Object.entries(o.errorsByCode).sort(([a], [b]) => a.localeCompare(b))) w.sample('etcdlab_errors_total', { phase: t.phase, op: o.op, code }, n);
  w.family('etcdlab_request_duration_seconds', 'histogram', 'latency of successful operations (open loop: from their intended start), from the merged HDR histograms');
  for (const t of totals) for (const o of t.ops) w.histogram('etcdlab_request_duration_seconds', { phase: t.phase, op: o.op }, o.latency);
  w.family('etcdlab_service_duration_seconds', 'histogram', 'open loop: the same operations timed from their actual send (service time)');
  for (const t of totals) for (const o of t.ops) if (o.service) w.histogram('etcdlab_service_duration_seconds', { phase: t.phase, op: o.op }, o.service);

  const agents = model.agentList();
  w.family('etcdlab_agents_connected', 'gauge', 'load agents connected now').sample('etcdlab_agents_connected', {}, model.agentsConnected());
  w.family('etcdlab_agents_expected', 'gauge', 'load agents the run waits for').sample('etcdlab_agents_expected', {}, model.expectedAgents);
  w.family('etcdlab_agent_connected', 'gauge', 'each agent and monitor: 1 while connected');
  for (const a of agents) w.sample('etcdlab_agent_connected', { agent: a.agentId, role: a.role, host: a.host }, a.connected ? 1 : 0);
  w.family('etcdlab_agent_clock_offset_seconds', 'gauge', "agent clock minus coordinator clock, as measured at its clock sync");
  for (const a of agents) if (a.clockOffsetMs !== undefined) w.sample('etcdlab_agent_clock_offset_seconds', { agent: a.agentId, role: a.role }, a.clockOffsetMs / 1000);
  w.family('etcdlab_agent_clock_uncertainty_seconds', 'gauge', 'the clock offset is exact to within this (half the round trip it was measured with)');
  for (const a of agents) if (a.clockRttMs !== undefined) w.sample('etcdlab_agent_clock_uncertainty_seconds', { agent: a.agentId, role: a.role }, a.clockRttMs / 2000);

  const members = model.memberList();
  w.family('etcdlab_etcd_scrape_up', 'gauge', "1 when the member answered the coordinator's latest scrape of its /metrics");
  for (const m of members) w.sample('etcdlab_etcd_scrape_up', { member: m.member }, m.up ? 1 : 0);
  w.family('etcdlab_etcd_scrape_timestamp_seconds', 'gauge', "when the member was last scraped (coordinator clock)");
  for (const m of members) w.sample('etcdlab_etcd_scrape_timestamp_seconds', { member: m.member }, m.atMs / 1000);
  for (const e of ETCD_EXPORTS) {
    w.family(e.name, e.kind, e.help);
    for (const m of members) {
      for (const s of (m.metrics && etcdFamily(m.metrics, e.from)) ?? []) {
        const labels = seriesLabels(m.member, s);
        if (e.kind !== 'histogram') {
          if (s.value !== undefined) w.sample(e.name, labels, s.value);
        } else if (s.buckets) {
          const buckets = s.buckets.map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count })).filter((b) => !Number.isNaN(b.le));
          const count = s.count ?? buckets.find((b) => b.le === Infinity)?.count;
          if (count === undefined) continue;
          if (buckets.at(-1)?.le !== Infinity) buckets.push({ le: Infinity, count });
          w.histogram(e.name, labels, { buckets, sum: s.sum ?? 0, count });
        }
      }
    }
  }
  return w.text();
}

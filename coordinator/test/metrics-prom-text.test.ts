import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractEtcdMetrics, parsePrometheusText } from '../src/metrics/index.js';

// A real etcd 3.4.23 member's /metrics, cut down to etcdlab's families and a few others.
const fixture = readFileSync(new URL('./fixtures/etcd-3.4.23-metrics.txt', import.meta.url), 'utf8');

describe('Prometheus text parsing', () => {
  it('reads types, help, labels and values', () => {
    const { families, errors } = parsePrometheusText(
      [
        '# HELP http_requests_total The total "requests".\\nSecond line',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3',
        '# a plain comment',
        'untyped_metric 4.5e-3',
        'weird{path="C:\\\\dir\\"x\\"",nl="a\\nb"} -Inf',
        'not_a_number{a="b"} NaN',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
    const f = families.get('http_requests_total');
    expect(f?.type).toBe('counter');
    expect(f?.help).toBe('The total "requests".\nSecond line');
    expect(f?.samples).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3 },
    ]);
    expect(families.get('untyped_metric')?.samples[0]?.value).toBe(0.0045);
    expect(families.get('untyped_metric')?.type).toBe('untyped');
    expect(families.get('weird')?.samples[0]).toEqual({ name: 'weird', labels: { path: 'C:\\dir"x"', nl: 'a\nb' }, value: -Infinity });
    expect(families.get('not_a_number')?.samples[0]?.value).toBeNaN();
  });

  it('groups histogram samples under their family, +Inf included', () => {
    const { families } = parsePrometheusText(['# TYPE lat histogram', 'lat_bucket{le="0.1"} 2', 'lat_bucket{le="+Inf"} 3', 'lat_sum 0.4', 'lat_count 3', 'lat_other 1'].join('\n'));
    expect(families.get('lat')?.samples.map((s) => s.name)).toEqual(['lat_bucket', 'lat_bucket', 'lat_sum', 'lat_count']);
    expect(families.get('lat')?.samples[1]?.labels).toEqual({ le: '+Inf' });
    // A suffix on a family that is not a histogram is its own family.
    expect(families.get('lat_other')?.samples).toHaveLength(1);
  });

  it('reports unreadable lines by number and keeps the rest', () => {
    const { families, errors } = parsePrometheusText(['ok 1', '{a="b"} 2', 'bad{a=b} 3', 'bad2{a="b"} x', 'also_ok 2', '# TYPE t wibble'].join('\n'));
    expect(errors).toEqual(['line 2: no metric name', 'line 3: label a has no quoted value', 'line 4: bad value "x"', 'line 6: unknown type "wibble"']);
    expect([...families.keys()]).toEqual(['ok', 'also_ok']);
  });

  it('skips families it was not asked for without reading their labels', () => {
    const { families, errors } = parsePrometheusText('keep 1\nskip{broken 2\n', (f) => f === 'keep');
    expect(errors).toEqual([]);
    expect([...families.keys()]).toEqual(['keep']);
  });

  it("parses a real etcd member's metrics into etcdlab's compact series", () => {
    const { metrics, errors } = extractEtcdMetrics(fixture);
    expect(errors).toEqual([]);
    const fsync = metrics.etcd_disk_wal_fsync_duration_seconds?.[0];
    expect(fsync?.buckets?.[0]).toEqual(['0.001', 4]);
    expect(fsync?.buckets?.at(-1)).toEqual(['+Inf', 6]);
    expect(fsync?.count).toBe(6);
    expect(fsync?.sum).toBeCloseTo(0.005564098, 9);
    expect(metrics.etcd_server_has_leader).toEqual([{ value: 1 }]);
    expect(metrics.etcd_server_leader_changes_seen_total).toEqual([{ value: 1 }]);
    expect(metrics.etcd_mvcc_db_total_size_in_bytes).toEqual([{ value: 20480 }]);
    expect(metrics.process_resident_memory_bytes?.[0]?.value).toBe(24522752);
    // Families etcdlab does not keep are left out.
    expect(Object.keys(metrics)).not.toContain('go_goroutines');
    expect(Object.keys(metrics)).not.toContain('grpc_server_handled_total');
  });

  it('keeps a histogram per label set (peer round trip to each peer)', () => {
    const text = ['# TYPE etcd_network_peer_round_trip_time_seconds histogram', ...['a', 'b'].flatMap((to, i) => [`etcd_network_peer_round_trip_time_seconds_bucket{To="${to}",le="0.0001"} ${i}`, `etcd_network_peer_round_trip_time_seconds_bucket{To="${to}",le="+Inf"} ${i + 5}`, `etcd_network_peer_round_trip_time_seconds_sum{To="${to}"} 0.01`, `etcd_network_peer_round_trip_time_seconds_count{To="${to}"} ${i + 5}`])].join('\n');
    const rtt = extractEtcdMetrics(text).metrics.etcd_network_peer_round_trip_time_seconds;
    expect(rtt).toEqual([
      { labels: { To: 'a' }, buckets: [['0.0001', 0], ['+Inf', 5]], sum: 0.01, count: 5 },
      { labels: { To: 'b' }, buckets: [['0.0001', 1], ['+Inf', 6]], sum: 0.01, count: 6 },
    ]);
  });
});

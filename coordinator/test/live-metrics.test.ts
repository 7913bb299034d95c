import { encodeHistogram, type IntervalReport, newAgentHistogram, PhaseMerger, recordUs } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { parseLiveListen } from '../src/live/listen-option.js';
import { liveJson } from '../src/live/live-json.js';
import { LiveModel } from '../src/live/live-model.js';
import { renderMetrics } from '../src/live/metrics-text.js';
import { LATENCY_LE_SECONDS } from '../src/live/prom-buckets.js';
import { fsyncSample } from './helpers/synthetic-run.js';
import { parseStrict, valueOf } from './helpers/prom-strict.js';

const T0 = 1_800_000_000_000;
const hist = (values: number[]): string => {
  const h = newAgentHistogram();
  for (const v of values) recordUs(h, v);
  return encodeHistogram(h);
};
let seq = 0;
const report = (agentId: string, phase: string, k: number, ops: Record<string, { values: number[]; errors?: Record<string, number> }>): IntervalReport => ({
  runId: 'r1',
  agentId,
  instance: `inst-${agentId}`,
  seq: seq++,
  phase,
  intervalStartMs: T0 + k * 1000,
  intervalMs: 1000,
  ops: Object.entries(ops).map(([op, o]) => ({ op, count: o.values.length, errors: o.errors ?? {}, histogram: hist(o.values) })),
  cpuUs: 1000,
  lateStarts: 0,
});

/** A model with one phase running over two agents, fed the way the engine feeds it. */
function running(name = 'mixed') {
  const model = new LiveModel('r1', { name: 'w', phases: [{ name, durationMs: 5000 }, { name: 'later', total: 10, rate: 100 }] });
  const merger = new PhaseMerger({ phase: name, agentIds: ['a1', 'a2'], intervalMs: 1000, startAtMs: T0, onMerged: (r, op, d) => model.merged(name, r, op, d) });
  model.phaseStarted({ name, measuredAtMs: T0, intervalMs: 1000, agents: ['a1', 'a2'] }, merger);
  return { model, merger };
}

// Latencies away from HDR bucket edges and the bounds: each one's bucket is known exactly.
const GETS = [50, 150, 300, 700, 1500, 2040, 3000, 7000, 20_000, 150_000, 700_000, 3_000_000];

describe('live /metrics text', () => {
  it('parses line by line; counters are the merger\'s sums; buckets are cumulative with +Inf equal to _count', () => {
    const { model, merger } = running();
    merger.addInterval(report('a1', 'mixed', 0, { get: { values: GETS }, put: { values: [900, 1200], errors: { DEADLINE_EXCEEDED: 2, UNAVAILABLE: 1 } } }));
    merger.addInterval(report('a2', 'mixed', 0, { get: { values: GETS.slice(0, 6) } }));
    const text = renderMetrics(model, T0 + 1500);
    const f = parseStrict(text);
    expect(valueOf(f, 'etcdlab_requests_total', { phase: 'mixed', op: 'get' })).toBe(GETS.length + 6);
    expect(valueOf(f, 'etcdlab_requests_total', { phase: 'mixed', op: 'put' })).toBe(2);
    expect(valueOf(f, 'etcdlab_errors_total', { phase: 'mixed', op: 'put', code: 'DEADLINE_EXCEEDED' })).toBe(2);
    expect(valueOf(f, 'etcdlab_errors_total', { phase: 'mixed', op: 'put', code: 'UNAVAILABLE' })).toBe(1);
    const all = [...GETS, ...GETS.slice(0, 6)];
    for (const le of LATENCY_LE_SECONDS) expect(valueOf(f, 'etcdlab_request_duration_seconds_bucket', { phase: 'mixed', op: 'get', le: String(le) }), `le ${le}`).toBe(all.filter((v) => v < le * 1e6).length);
    expect(valueOf(f, 'etcdlab_request_duration_seconds_bucket', { phase: 'mixed', op: 'get', le: '+Inf' })).toBe(all.length);
    expect(valueOf(f, 'etcdlab_request_duration_seconds_count', { phase: 'mixed', op: 'get' })).toBe(all.length);
    // The sum within HDR's resolution (3 significant digits) of the true one.
    const sum = valueOf(f, 'etcdlab_request_duration_seconds_sum', { phase: 'mixed', op: 'get' }) as number;
    expect(Math.abs(sum - all.reduce((a, b) => a + b, 0) / 1e6)).toBeLessThan(0.001 * sum);
    for (const fam of f.values()) expect(fam.name.startsWith('etcdlab_')).toBe(true);
    for (const fam of f.values()) if (fam.type === 'counter') expect(fam.name.endsWith('_total'), fam.name).toBe(true);
    expect(valueOf(f, 'etcdlab_phase_state', { phase: 'mixed', state: 'running' })).toBe(1);
    expect(valueOf(f, 'etcdlab_phase_state', { phase: 'later', state: 'pending' })).toBe(1);
  });

  it('counters never go down as reports arrive; an ended phase is frozen at its end', () => {
    const { model, merger } = running();
    let before = parseStrict(renderMetrics(model, T0));
    for (let k = 0; k < 4; k++) {
      for (const a of ['a1', 'a2']) merger.addInterval(report(a, 'mixed', k, { get: { values: [100 * (k + 1), 2000] }, put: { values: [k % 2 ? 800 : 12_000], errors: k === 2 ? { UNAVAILABLE: 1 } : {} } }));
      const after = parseStrict(renderMetrics(model, T0 + k * 1000));
      for (const fam of after.values()) {
        if (fam.type === 'gauge') continue;
        for (const s of fam.samples) {
          if (s.name.endsWith('_sum')) continue;
          const was = valueOf(before, s.name, s.labels) ?? 0;
          expect(s.value, `${s.name} ${JSON.stringify(s.labels)}`).toBeGreaterThanOrEqual(was);
        }
      }
      before = after;
    }
    const summary = merger.summarize(new Map([['a1', 1], ['a2', 1]]));
    model.phaseDone('mixed', summary.durationMs, { outcome: 'completed' });
    const done = parseStrict(renderMetrics(model, T0 + 9000));
    expect(valueOf(done, 'etcdlab_requests_total', { phase: 'mixed', op: 'get' })).toBe(summary.ops['get']?.count);
    expect(valueOf(done, 'etcdlab_errors_total', { phase: 'mixed', op: 'put', code: 'UNAVAILABLE' })).toBe(2);
    expect(valueOf(done, 'etcdlab_phase_state', { phase: 'mixed', state: 'completed' })).toBe(1);
    // Reports after the end (none should come) do not change the frozen figures.
    merger.addInterval(report('a1', 'mixed', 9, { get: { values: [1, 2, 3] } }));
    expect(valueOf(parseStrict(renderMetrics(model, T0 + 9500)), 'etcdlab_requests_total', { phase: 'mixed', op: 'get' })).toBe(summary.ops['get']?.count);
  });

  it('escapes label values; agents, clock offsets and etcd figures parse', () => {
    const model = new LiveModel('r"1\\x', { name: 'w "quoted"\nline', phases: [] });
    model.expectedAgents = 2;
    model.agentSeen({ agentId: 'a1', host: 'h1', role: 'agent', clock: { offsetMs: -1.5, rttMs: 0.8 } });
    model.agentSeen({ agentId: 'a2', host: 'h2', role: 'agent' });
    model.agentGone('a2');
    model.etcdSample(fsyncSample('etcd-1', T0, [0, 5, 9, 10], { leaderChanges: 2 }));
    model.etcdSample({ t: T0 + 1000, member: 'etcd-2', ok: false, error: 'refused' });
    const f = parseStrict(renderMetrics(model, T0 + 2000));
    expect(f.get('etcdlab_run_info')?.samples[0]?.labels).toEqual({ run_id: 'r"1\\x', workload: 'w "quoted"\nline' });
    expect(valueOf(f, 'etcdlab_agents_connected', {})).toBe(1);
    expect(valueOf(f, 'etcdlab_agents_expected', {})).toBe(2);
    expect(valueOf(f, 'etcdlab_agent_clock_offset_seconds', { agent: 'a1', role: 'agent' })).toBe(-0.0015);
    expect(valueOf(f, 'etcdlab_agent_connected', { agent: 'a2', role: 'agent', host: 'h2' })).toBe(0);
    expect(valueOf(f, 'etcdlab_etcd_scrape_up', { member: 'etcd-1' })).toBe(1);
    expect(valueOf(f, 'etcdlab_etcd_scrape_up', { member: 'etcd-2' })).toBe(0);
    expect(valueOf(f, 'etcdlab_etcd_leader_changes_seen_total', { member: 'etcd-1' })).toBe(2);
    expect(valueOf(f, 'etcdlab_etcd_wal_fsync_duration_seconds_bucket', { member: 'etcd-1', le: '+Inf' })).toBe(10);
    expect(valueOf(f, 'etcdlab_etcd_backend_commit_duration_seconds_count', { member: 'etcd-1' })).toBe(10);
  });
});

describe('live page data (/live.json)', () => {
  it('gives per op points per second once every agent has reported past them, from the merged histograms', () => {
    const { model, merger } = running();
    merger.addInterval(report('a1', 'mixed', 0, { get: { values: [1000, 1000, 1000, 1000] } }));
    expect(liveJson(model, T0, undefined).series?.ops['get'] ?? []).toHaveLength(0);
    merger.addInterval(report('a2', 'mixed', 0, { get: { values: [9000, 9000, 9000, 9000] }, put: { values: [500] } }));
    const j = liveJson(model, T0 + 1000);
    expect(j.running).toBe('mixed');
    const [t, ok, err, p50, p99] = j.series?.ops['get']?.[0] ?? [];
    expect([t, ok, err]).toEqual([0, 8, 0]);
    // HdrHistogram's figures: the highest value equivalent to the recorded one (9000 us sits in an 8 us bucket).
    expect(p50).toBe(1);
    expect(p99).toBe(9.007);
    expect(j.series?.latest?.okPerSec).toBe(9);
    expect(j.phases.find((p) => p.name === 'mixed')?.count).toBe(9);
    expect(j.phases.map((p) => p.state)).toEqual(['running', 'pending']);
  });
});

describe('--metrics-listen', () => {
  it('takes HOST:PORT, [IPv6]:PORT, a port alone and off', () => {
    expect(parseLiveListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseLiveListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseLiveListen('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseLiveListen('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    expect(parseLiveListen('off')).toBe('off');
  });
  it.each(['', '127.0.0.1:70000', '127.0.0.1:', ':9464', '::1:9464', '[::1]', '[1.2.3.4]:80', 'bad host:1', '127.0.0.1:-1', 'on'])('refuses %j with E_OPTION_INVALID naming the option', (v) => {
    expect(() => parseLiveListen(v)).toThrow(expect.objectContaining({ code: 'E_OPTION_INVALID', exitCode: 2, problems: [expect.objectContaining({ field: '--metrics-listen' })] }));
  });
});

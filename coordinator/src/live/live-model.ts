import type { IntervalReport, LiveStats, OpAccumulator, OpInterval, PhaseOutcome, PhaseRecord, SparseHistogram } from '@etcdlab/common';
import type { MetricsSample } from '../metrics/index.js';
import { PhaseSeries, type SeriesPoint } from './phase-series.js';
import { promHistogram, type PromHistogram } from './prom-buckets.js';

export type LivePhaseState = 'pending' | 'running' | PhaseOutcome;

export interface LivePhase {
  name: string;
  state: LivePhaseState;
  /** Planned: seconds or operations; open loop: the rate asked at its start. */
  plannedDurationMs?: number;
  total?: number;
  rate?: number;
  /** The measured start (after any warm-up), coordinator clock. */
  startedAtMs?: number;
  /** Running: so far; ended: the phase's wall time. */
  elapsedSec?: number;
  agents: string[];
  /** Running: an open loop's rate asked at the live interval, and the requests per second of the latest interval every agent reported. */
  askedOpsPerSec?: number;
  reachedOpsPerSec?: number;
}

export interface LiveAgent {
  agentId: string;
  host: string;
  role: string;
  connected: boolean;
  clockOffsetMs?: number;
  clockRttMs?: number;
}

/** One op's totals of a phase, read from the merger's own sums (what the run's summary reports). */
export interface LiveOpTotals {
  op: string;
  count: number;
  errorsByCode: Record<string, number>;
  latency: PromHistogram;
  service?: PromHistogram;
}

/** What the engine gives the live model of a phase as it starts (with its merger, read only). */
export interface PhaseStartInfo {
  name: string;
  measuredAtMs: number;
  intervalMs: number;
  agents: readonly string[];
}

/** The merger as the model reads it: its per-op sums. */
export interface TotalsSource {
  opTotals(): ReadonlyMap<string, Readonly<OpAccumulator>>;
}

interface PhaseEntry extends LivePhase {
  series?: PhaseSeries;
  source?: TotalsSource;
  frozen?: LiveOpTotals[];
}

const totalsOf = (source: TotalsSource): LiveOpTotals[] =>
  [...source.opTotals()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, acc]) => ({ op, count: acc.count, errorsByCode: { ...acc.errorsByCode }, latency: promHistogram(acc.histogram), ...(acc.service ? { service: promHistogram(acc.service) } : {}) }));

/**
 * The run as the live view shows it (docs/live.md): pure state, fed read-only by the run (phases as the
 * engine merges them, agents as they come and go, etcd's scrapes) and read by /metrics and /live.json.
 * Counters and histograms are the merger's own sums, frozen when a phase ends; the per-second points
 * come from the same decoded reports.
 */
export class LiveModel {
  private readonly phases: PhaseEntry[];
  private readonly agents = new Map<string, LiveAgent>();
  private readonly members = new Map<string, { sample: MetricsSample; last?: MetricsSample['metrics'] }>();
  private current: PhaseEntry | undefined;
  expectedAgents = 0;

  constructor(
    readonly runId: string,
    readonly workload: { name: string; phases: readonly { name: string; durationMs?: number; total?: number; rate?: number }[] },
  ) {
    this.phases = workload.phases.map((p) => ({ name: p.name, state: 'pending', agents: [], ...(p.durationMs !== undefined ? { plannedDurationMs: p.durationMs } : {}), ...(p.total !== undefined ? { total: p.total } : {}), ...(p.rate !== undefined ? { rate: p.rate } : {}) }));
  }

  agentSeen(a: { agentId: string; host: string; role: string; clock?: { offsetMs: number; rttMs: number } }): void {
    const known = this.agents.get(a.agentId);
    this.agents.set(a.agentId, { ...known, agentId: a.agentId, host: a.host, role: a.role, connected: true, ...(a.clock ? { clockOffsetMs: a.clock.offsetMs, clockRttMs: a.clock.rttMs } : {}) });
  }

  agentGone(agentId: string): void {
    const a = this.agents.get(agentId);
    if (a) a.connected = false;
  }

  phaseStarted(info: PhaseStartInfo, source: TotalsSource): void {
    const p = this.phaseNamed(info.name);
    Object.assign(p, { state: 'running', startedAtMs: info.measuredAtMs, elapsedSec: 0, agents: [...info.agents], source, series: new PhaseSeries(info.measuredAtMs, info.intervalMs, info.agents) });
    delete p.frozen;
    this.current = p;
  }

  merged(phase: string, r: IntervalReport, op: OpInterval, decoded: SparseHistogram): void {
    (this.current?.name === phase ? this.current : this.phaseNamed(phase)).series?.add(r, op, decoded);
  }

  /** Each second while a phase runs: its merger's live figures and the rate asked. */
  tick(s: LiveStats, askedOpsPerSec: number | undefined): void {
    const p = this.current;
    if (!p || p.name !== s.phase) return;
    p.elapsedSec = s.elapsedSec;
    if (askedOpsPerSec !== undefined) p.askedOpsPerSec = askedOpsPerSec;
    if (s.interval) p.reachedOpsPerSec = s.interval.startedPerSec;
  }

  phaseDone(name: string, durationMs: number, record: Pick<PhaseRecord, 'outcome'>): void {
    const p = this.phaseNamed(name);
    if (p.source) p.frozen = totalsOf(p.source);
    delete p.source;
    p.series?.series(true);
    Object.assign(p, { state: record.outcome, elapsedSec: durationMs / 1000 });
    delete p.askedOpsPerSec;
    delete p.reachedOpsPerSec;
    if (this.current === p) this.current = undefined;
  }

  etcdSample(s: MetricsSample): void {
    const before = this.members.get(s.member);
    this.members.set(s.member, { sample: s, ...(s.ok ? { last: s.metrics } : before?.last ? { last: before.last } : {}) });
  }

  // Reading.

  phaseList(): LivePhase[] {
    return this.phases.map(({ series: _s, source: _t, frozen: _f, ...p }) => ({ ...p, agents: [...p.agents] }));
  }

  runningPhase(): string | undefined {
    return this.current?.name;
  }

  agentList(): LiveAgent[] {
    return [...this.agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  /** Load agents connected now (monitors left out). */
  agentsConnected(): number {
    return [...this.agents.values()].filter((a) => a.connected && a.role !== 'monitor').length;
  }

  /** Every phase's per-op totals so far: frozen for ended phases, read from the merger for the running one. */
  totals(): { phase: string; ops: LiveOpTotals[] }[] {
    return this.phases.flatMap((p) => {
      const ops = p.frozen ?? (p.source ? totalsOf(p.source) : undefined);
      return ops ? [{ phase: p.name, ops }] : [];
    });
  }

  /** Every phase's per-op counts so far, without the histograms (what the live page polls). */
  counts(): Map<string, { op: string; count: number; errors: number }[]> {
    const out = new Map<string, { op: string; count: number; errors: number }[]>();
    for (const p of this.phases) {
      const ops = p.frozen ?? (p.source ? [...p.source.opTotals()].map(([op, acc]) => ({ op, count: acc.count, errorsByCode: acc.errorsByCode })) : undefined);
      if (ops) out.set(p.name, ops.map((o) => ({ op: o.op, count: o.count, errors: Object.values(o.errorsByCode).reduce((a, b) => a + b, 0) })));
    }
    return out;
  }

  /** Per second and op of one phase (the running one, else the last that ran). */
  seriesOf(name?: string): { phase: string; ops: Record<string, SeriesPoint[]>; latest?: { t: number; okPerSec: number; errorsPerSec: number } } | undefined {
    const p = name !== undefined ? this.phases.find((x) => x.name === name) : (this.current ?? [...this.phases].reverse().find((x) => x.series));
    if (!p?.series) return undefined;
    const latest = p.series.latest();
    return { phase: p.name, ops: Object.fromEntries(p.series.series()), ...(latest ? { latest } : {}) };
  }

  /** The latest scrape of each member: whether it answered, and the last figures it gave. */
  memberList(): { member: string; up: boolean; atMs: number; metrics?: MetricsSample['metrics'] }[] {
    return [...this.members].sort(([a], [b]) => a.localeCompare(b)).map(([member, m]) => ({ member, up: m.sample.ok, atMs: m.sample.t, ...(m.last ? { metrics: m.last } : {}) }));
  }

  private phaseNamed(name: string): PhaseEntry {
    let p = this.phases.find((x) => x.name === name);
    if (!p) this.phases.push((p = { name, state: 'pending', agents: [] }));
    return p;
  }
}

/**
 * report/csv/intervals.csv: every merged interval of every phase and op (and `all`), like Locust's stats
 * history: when, count, errors, throughput, and response-time and service-time percentiles in ms. One
 * row per interval and op, read from the report model's timelines (the figures the charts draw). Pure.
 */
import type { ReportModel, TimelinePoint } from '../model/types.js';
import { csvLine } from './csv.js';

export const INTERVALS_HEADER = [
  'interval_start', 'offset_s', 'phase', 'op', 'warmup', 'count', 'errors', 'ops_per_s',
  'p50_ms', 'p90_ms', 'p99_ms', 'p99.9_ms', 'max_ms',
  'service_p50_ms', 'service_p90_ms', 'service_p99_ms', 'service_p99.9_ms', 'service_max_ms',
];

const ms = (us: number | undefined, count: number): string | undefined => (us === undefined || count === 0 ? undefined : (us / 1000).toFixed(3));

function row(phase: string, startedAtMs: number, op: string, p: TimelinePoint): string {
  const s = p.service;
  return csvLine([
    new Date(startedAtMs + Math.round(p.offsetSec * 1000)).toISOString(), p.offsetSec.toFixed(3), phase, op, p.warmup ? 'yes' : 'no',
    p.count, p.errors, p.opsPerSec.toFixed(1),
    ms(p.p50Us, p.count), ms(p.p90Us, p.count), ms(p.p99Us, p.count), ms(p.p999Us, p.count), ms(p.maxUs, p.count),
    ms(s?.p50Us, p.count), ms(s?.p90Us, p.count), ms(s?.p99Us, p.count), ms(s?.p999Us, p.count), ms(s?.maxUs, p.count),
  ]);
}

/** Rows in time order within a phase, `all` first, then the ops by name; latency cells empty without a success. */
export function renderIntervalsCsv(model: ReportModel): string {
  let out = csvLine(INTERVALS_HEADER);
  for (const phase of model.phases) {
    const ops = Object.keys(phase.timeline).sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b)));
    const offsets = [...new Set(ops.flatMap((op) => (phase.timeline[op] ?? []).map((p) => p.offsetSec)))].sort((a, b) => a - b);
    for (const offset of offsets)
      for (const op of ops) {
        const p = phase.timeline[op]?.find((x) => x.offsetSec === offset);
        if (p) out += row(phase.name, phase.startedAtMs, op, p);
      }
  }
  return out;
}

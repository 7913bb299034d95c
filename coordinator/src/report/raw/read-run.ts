import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { LOG_MAX_BYTES, MANIFEST_MAX_BYTES, readFolderFile } from '../../files/bounded-read.js';
import { join, resolve } from 'node:path';
import { ErrorCodes, InputError, type Problem, SparseDecoder } from '@etcdlab/common';
import type { z } from 'zod';
import type { MetricsSample } from '../../metrics/index.js';
import { type HlogEntry, parseHlog, SERVICE_TAG_SUFFIX } from './hlog.js';
import { agentsOf, hostChecksOf, hostSampleSchema, intervalLineSchema, manifestSchema, phasesOf, summarySchema, toHostSample } from './manifest.js';
import type { HostSample, RawInterval, RawPhase, RawRun } from './types.js';

const fix = 'pass a folder written by `etcdlab run` or `quickstart` (results/<run-id>)';

function invalid(dir: string, problems: Problem[]): InputError {
  return new InputError(ErrorCodes.resultsInvalid, `${dir} is not a readable results folder (${problems.length} problem(s))`, problems);
}

function readJson<T>(file: string, schema: z.ZodType<T>, problems: Problem[]): T | undefined {
  let raw: unknown;
  const read = readFolderFile(file, MANIFEST_MAX_BYTES);
  if ('problem' in read) {
    problems.push({ file, message: read.problem, fix });
    return undefined;
  }
  try {
    raw = JSON.parse(read.text);
  } catch (err) {
    problems.push({ file, message: `cannot be read as JSON: ${(err as Error).message}`, fix });
    return undefined;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    for (const issue of r.error.issues.slice(0, 10)) problems.push({ file, field: issue.path.join('.') || '(top)', message: issue.message, fix });
    return undefined;
  }
  return r.data;
}

/** Checks one parsed line: the value, or why it is not one. */
type LineParser<T> = (v: unknown) => T | { invalid: string };
const zodLine =
  <T>(schema: z.ZodType<T>): LineParser<T> =>
  (v) => {
    const r = schema.safeParse(v);
    return r.success ? r.data : { invalid: r.error.issues[0]?.message ?? 'invalid' };
  };
const isInvalid = (v: unknown): v is { invalid: string } => typeof v === 'object' && v !== null && 'invalid' in v && Object.keys(v).length === 1;

/**
 * JSON lines; unreadable lines are named in `notes`, one note per file with how many and the first few
 * (a run cut short can leave a partial last line; anything else is damage the report must show).
 */
function readJsonl<T>(file: string, parse: LineParser<T>, notes: string[], problems: Problem[]): T[] {
  const out: T[] = [];
  const skipped: string[] = [];
  const read = readFolderFile(file, LOG_MAX_BYTES);
  if ('problem' in read) {
    problems.push({ file, message: read.problem, fix });
    return out;
  }
  read.text
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        skipped.push(`line ${i + 1}: not JSON`);
        return;
      }
      const r = parse(v);
      if (isInvalid(r)) skipped.push(`line ${i + 1}: ${r.invalid}`);
      else out.push(r);
    });
  if (skipped.length) notes.push(`${file}: ${skipped.length} line(s) skipped, not part of the results (${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; ...' : ''})`);
  return out;
}

// Metrics lines are checked loosely: the time, the member and the ok flag; the rest is read as written.
const metricsLine: LineParser<MetricsSample> = (v) => {
  const o = v as Partial<MetricsSample> | null;
  return o && typeof o.t === 'number' && typeof o.member === 'string' && typeof o.ok === 'boolean' ? (o as MetricsSample) : { invalid: 'not a metrics sample (t, member, ok)' };
};

/** The files of a sub-folder (none when it is missing); a sub-folder that is not a folder is a problem. */
const listFiles = (dir: string, suffix: string, problems: Problem[]): string[] => {
  if (!existsSync(dir)) return [];
  if (!lstatSync(dir).isDirectory()) {
    problems.push({ file: dir, message: 'is not a folder', fix });
    return [];
  }
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
};

/**
 * Joins an agent's interval lines with its .hlog by tag (`phase/op`) and interval start (ms). The writer
 * puts one hlog line per op of each report; lines with other tags (e.g. an open-loop service-time series)
 * are kept aside and noted, never mistaken for latencies.
 */
function joinAgent(dir: string, agentId: string, baseTimeMs: number, notes: string[], problems: Problem[], unfinished: boolean): RawInterval[] {
  const jsonlFile = join(dir, 'agents', `${agentId}.intervals.jsonl`);
  const hlogFile = join(dir, 'agents', `${agentId}.hlog`);
  const lines = readJsonl(jsonlFile, zodLine(intervalLineSchema), notes, problems);
  const hlogText = existsSync(hlogFile) ? readFolderFile(hlogFile, LOG_MAX_BYTES) : { text: '' };
  if ('problem' in hlogText) problems.push({ file: hlogFile, message: hlogText.problem, fix });
  const hlog = 'text' in hlogText && hlogText.text ? parseHlog(hlogText.text) : { entries: [], errors: [], comments: [] };
  for (const e of hlog.errors) notes.push(`${hlogFile} ${e}; line ignored`);
  const base = hlog.baseTimeSec !== undefined ? Math.round(hlog.baseTimeSec * 1000) : baseTimeMs;
  const queue = new Map<string, HlogEntry[]>();
  const keyOf = (tag: string, ms: number) => `${tag}@${ms}`;
  for (const e of hlog.entries) {
    const k = keyOf(e.tag, Math.round(e.startSec * 1000));
    queue.set(k, [...(queue.get(k) ?? []), e]);
  }
  const take = (tag: string, startMs: number): HlogEntry | undefined => {
    const rel = Math.round(startMs - base);
    // toFixed(3) may round a half millisecond either way.
    for (const ms of [rel, rel - 1, rel + 1]) {
      const q = queue.get(keyOf(tag, ms));
      if (q?.length) return q.shift();
    }
    return undefined;
  };
  const out: RawInterval[] = [];
  const decoder = new SparseDecoder();
  for (const l of lines) {
    const ops: RawInterval['ops'] = [];
    let cut = false;
    for (const op of l.ops) {
      // The results writer tags warm-up intervals phase/warmup/op.
      const tag = `${l.phase}/${l.warmup ? 'warmup/' : ''}${op.op}`;
      const e = take(tag, l.intervalStartMs);
      if (!e && op.count > 0 && unfinished) {
        // A killed coordinator's two files are flushed apart: the last lines may lack their histograms.
        notes.push(`${jsonlFile} seq ${l.seq} of phase ${l.phase}: its histogram is not in ${agentId}.hlog (the coordinator was killed while writing); the interval is left out`);
        cut = true;
        break;
      }
      if (!e && op.count > 0) {
        problems.push({ file: hlogFile, field: `Tag=${tag}`, message: `no histogram at ${((l.intervalStartMs - base) / 1000).toFixed(3)} s for seq ${l.seq} of ${agentId}.intervals.jsonl (${op.count} operations)`, fix: 'the .hlog and .intervals.jsonl of an agent must come from the same run; do not edit them' });
        continue;
      }
      // The count in the interval line is the histogram's: an edited or mismatched file is refused, never shown.
      const inHistogram = e ? histogramTotal(decoder, e.histogram) : 0;
      if (inHistogram !== op.count) {
        problems.push({ file: jsonlFile, field: `seq ${l.seq} ${tag} count`, message: `${op.count} operations, but its histogram in ${agentId}.hlog holds ${Number.isNaN(inHistogram) ? 'no readable histogram' : inHistogram}`, fix: 'the .hlog and .intervals.jsonl of an agent must come from the same run; do not edit them' });
        continue;
      }
      // Open-loop ops carry their service times on a line of their own (tag phase/op.service).
      const service = take(`${tag}${SERVICE_TAG_SUFFIX}`, l.intervalStartMs);
      ops.push({ op: op.op, count: op.count, errors: op.errors, histogram: e?.histogram ?? '', ...(service ? { serviceHistogram: service.histogram } : {}) });
    }
    if (cut) continue;
    out.push({ agentId: l.agentId, seq: l.seq, phase: l.phase, startMs: l.intervalStartMs, lengthMs: l.intervalMs, cpuUs: l.cpuUs, lateStarts: l.lateStarts, ...(l.droppedStarts ? { droppedStarts: l.droppedStarts } : {}), ...(l.errorEndpoints ? { errorEndpoints: l.errorEndpoints } : {}), ...(l.warmup ? { warmup: true } : {}), ...(l.writes !== undefined ? { writes: l.writes } : {}), ...(l.instance ? { instance: l.instance } : {}), ...(l.checkpointAtMs !== undefined ? { checkpointAtMs: l.checkpointAtMs } : {}), ops });
  }
  const left = [...queue.values()].flat();
  if (left.length) notes.push(`${hlogFile}: ${left.length} histogram line(s) without an interval line (tags ${[...new Set(left.map((e) => e.tag))].slice(0, 5).join(', ')}) are not part of the results`);
  return out;
}

/** The number of values in an encoded histogram (NaN when it cannot be decoded). */
function histogramTotal(decoder: SparseDecoder, base64: string): number {
  if (base64 === '') return 0;
  try {
    return decoder.decode(base64).total;
  } catch {
    return Number.NaN;
  }
}

/**
 * Phases the record does not have (a run cut short before writing it): timing from the intervals; in an
 * unfinished run they are incomplete (the coordinator stopped during them).
 */
function inferPhases(known: RawPhase[], intervals: RawInterval[], unfinished: boolean): RawPhase[] {
  const out = [...known];
  const byPhase = new Map<string, RawInterval[]>();
  for (const i of intervals) if (!known.some((p) => p.name === i.phase)) byPhase.set(i.phase, [...(byPhase.get(i.phase) ?? []), i]);
  for (const [name, list] of byPhase) {
    const start = Math.min(...list.map((i) => i.startMs));
    const end = Math.max(...list.map((i) => i.startMs + i.lengthMs));
    out.push({
      name,
      startedAtMs: start,
      durationMs: end - start,
      agents: [...new Set(list.map((i) => i.agentId))].sort().map((agentId) => ({ agentId, clients: 0, startSkewMs: 0, elapsedMs: 0, endedBy: 'unknown' })),
      ...(unfinished ? { outcome: 'incomplete' as const, reasons: ['the coordinator stopped during this phase: what the agents measured after it is not here'] } : {}),
    });
  }
  return out.sort((a, b) => a.startedAtMs - b.startedAtMs);
}

/**
 * Reads a results folder. Bad input (not a results folder, unreadable manifest, an .hlog that does not
 * match its interval lines) is an E_RESULTS_INVALID input error naming the file; a partial last line of a
 * run cut short is skipped and noted in runWarnings.
 */
export function readRun(dirArg: string): RawRun {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw invalid(dir, [{ file: dir, message: 'no such folder', fix }]);
  const problems: Problem[] = [];
  const notes: string[] = [];
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) throw invalid(dir, [{ file: manifestFile, message: 'missing', fix }]);
  const manifest = readJson(manifestFile, manifestSchema, problems);
  const summaryFile = join(dir, 'summary.json');
  // A schema-2 folder's summary.json is derived from the rest; only older folders need it as input.
  const summary = !manifest?.phases && existsSync(summaryFile) ? readJson(summaryFile, summarySchema, problems) : undefined;
  if (!manifest || problems.length) throw invalid(dir, problems);
  if (!manifest.phases && !summary) notes.push('the manifest has no phase record and summary.json is missing: phase timing is taken from the intervals');

  const baseTimeMs = Date.parse(manifest.createdAt);
  // A run whose coordinator died: the manifest says running (or, from before its first phase ended, nothing).
  const unfinished = manifest.status === 'running' || (!manifest.phases && !summary && manifest.status === undefined);
  const agentIds = listFiles(join(dir, 'agents'), '.intervals.jsonl', problems).map((f) => f.slice(0, -'.intervals.jsonl'.length));
  const intervals = agentIds.flatMap((id) => joinAgent(dir, id, baseTimeMs, notes, problems, unfinished));
  if (problems.length) throw invalid(dir, problems);

  const metrics = listFiles(join(dir, 'metrics'), '.jsonl', problems).flatMap((f) => readJsonl<MetricsSample>(join(dir, 'metrics', f), metricsLine, notes, problems));
  const hostSamples: HostSample[] = listFiles(join(dir, 'hosts'), '.jsonl', problems).flatMap((f) => readJsonl(join(dir, 'hosts', f), zodLine(hostSampleSchema), notes, problems).map(toHostSample));
  if (problems.length) throw invalid(dir, problems);
  const recorded = phasesOf(manifest, summary) ?? [];
  const phases = inferPhases(recorded, intervals, unfinished);
  if (unfinished)
    notes.push(
      `the run did not finish: its coordinator stopped (killed or crashed) after ${recorded.length} recorded phase(s)${phases.length > recorded.length ? `; ${phases.slice(recorded.length).map((p) => p.name).join(', ')} from the intervals that arrived, partial` : ''}`,
    );
  const order = new Map(phases.map((p, i) => [p.name, i]));
  intervals.sort((a, b) => (order.get(a.phase) ?? 0) - (order.get(b.phase) ?? 0) || a.startMs - b.startMs || a.agentId.localeCompare(b.agentId) || a.seq - b.seq);
  metrics.sort((a, b) => a.member.localeCompare(b.member) || a.t - b.t);
  hostSamples.sort((a, b) => a.host.localeCompare(b.host) || a.t - b.t);

  const status = manifest.phases ? manifest.status : (summary?.status ?? manifest.status);
  return {
    dir,
    runId: manifest.runId,
    ...(manifest.name || manifest.tags ? { label: { ...(manifest.name ? { name: manifest.name } : {}), ...(manifest.tags ? { tags: manifest.tags } : {}) } } : {}),
    baseTimeMs,
    ...((summary?.finishedAt ?? manifest.finishedAt) ? { finishedAt: (summary?.finishedAt ?? manifest.finishedAt) as string } : {}),
    status: unfinished ? 'failed' : status === 'completed' || status === 'aborted' || status === 'failed' ? status : 'unknown',
    intervalMs: manifest.intervalMs,
    cluster: { ...manifest.cluster },
    workload: { name: manifest.workload.name, source: manifest.workload.source, quick: manifest.workload.quick, phases: manifest.workload.phases, ...(manifest.workload.rules !== undefined ? { rules: manifest.workload.rules } : {}) },
    agents: agentsOf(manifest),
    phases,
    intervals,
    integrity: manifest.integrity ?? summary?.integrity ?? { ok: true, mismatches: [] },
    runWarnings: [...(manifest.runWarnings ?? summary?.warnings ?? []), ...notes.map((n) => `results folder: ${n}`)],
    ...(manifest.error ? { error: { code: manifest.error.code, message: manifest.error.message } } : {}),
    metrics,
    hostSamples,
    hostChecks: hostChecksOf(manifest),
    ...(manifest.mergedFrom ? { mergedFrom: manifest.mergedFrom } : {}),
    manifest,
  };
}


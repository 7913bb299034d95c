import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, InputError, type RunSummary } from '@etcdlab/common';
import * as hdr from 'hdr-histogram-js';
import { memberFileName } from '../../metrics/index.js';
import { TOOL_VERSION } from '../../version.js';
import { formatHlogEntry, hlogHeader } from './hlog.js';
import type { RawRun } from './types.js';

/** The manifest of a run made by merging others (the sources keep their own). */
function mergedManifest(run: RawRun): Record<string, unknown> {
  return {
    runId: run.runId,
    createdAt: new Date(run.baseTimeMs).toISOString(),
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    status: run.status,
    tool: { name: 'etcdlab', version: TOOL_VERSION },
    invocation: { command: 'report --merge', sources: run.mergedFrom?.map((m) => m.dir) ?? [] },
    cluster: run.cluster,
    workload: run.workload,
    intervalMs: run.intervalMs,
    agents: run.agents,
    ...(run.hostChecks.length ? { hostsCheck: run.hostChecks } : {}),
    mergedFrom: run.mergedFrom ?? [],
  };
}

/** A folder may be written when it is new, empty, or an earlier merge of the same runs. */
function checkTarget(dir: string, runId: string): void {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return;
  let previous: string | undefined;
  try {
    previous = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { runId?: string }).runId;
  } catch {
    previous = undefined;
  }
  if (previous !== runId)
    throw new InputError(ErrorCodes.optionInvalid, `${dir} already holds something else`, [{ field: '--out', message: 'the folder is not empty and is not an earlier merge of these runs', fix: 'choose a new folder with --out, or remove this one' }]);
  for (const sub of ['agents', 'metrics', 'hosts', 'report']) rmSync(join(dir, sub), { recursive: true, force: true });
}

/**
 * Writes a (merged) run as a results folder in the layout a run writes: manifest.json, summary.json,
 * agents/<id>.hlog and .intervals.jsonl, metrics/<member>.jsonl, hosts/<host>.jsonl. The histograms are
 * written exactly as they were read; `etcdlab report` then works on it like on any run.
 */
export function writeRun(run: RawRun, summary: RunSummary): void {
  checkTarget(run.dir, run.runId);
  mkdirSync(join(run.dir, 'agents'), { recursive: true });
  writeFileSync(join(run.dir, 'manifest.json'), JSON.stringify(mergedManifest(run), null, 2) + '\n');
  writeFileSync(join(run.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const agentIds = [...new Set(run.intervals.map((i) => i.agentId))].sort();
  for (const id of agentIds) {
    const mine = run.intervals.filter((i) => i.agentId === id).sort((a, b) => a.seq - b.seq);
    let hlog = hlogHeader(run.baseTimeMs, id);
    let jsonl = '';
    for (const i of mine) {
      for (const op of i.ops) {
        if (!op.histogram) continue;
        hlog += formatHlogEntry({ tag: `${i.phase}/${i.warmup ? 'warmup/' : ''}${op.op}`, startSec: (i.startMs - run.baseTimeMs) / 1000, lengthSec: i.lengthMs / 1000, maxMs: hdr.decodeFromCompressedBase64(op.histogram, 64, false).maxValue / 1000, histogram: op.histogram });
      }
      const line = { runId: run.runId, agentId: id, seq: i.seq, phase: i.phase, intervalStartMs: i.startMs, intervalMs: i.lengthMs, cpuUs: i.cpuUs, lateStarts: i.lateStarts, ...(i.warmup ? { warmup: true } : {}), ops: i.ops.map((o) => ({ op: o.op, count: o.count, errors: o.errors })) };
      jsonl += JSON.stringify(line) + '\n';
    }
    writeFileSync(join(run.dir, 'agents', `${id}.hlog`), hlog);
    writeFileSync(join(run.dir, 'agents', `${id}.intervals.jsonl`), jsonl);
  }
  const groups = (kind: 'metrics' | 'hosts', items: { key: string; line: unknown }[]) => {
    if (items.length === 0) return;
    mkdirSync(join(run.dir, kind), { recursive: true });
    const by = new Map<string, string>();
    for (const it of items) by.set(it.key, (by.get(it.key) ?? '') + JSON.stringify(it.line) + '\n');
    for (const [key, text] of by) writeFileSync(join(run.dir, kind, `${memberFileName(key)}.jsonl`), text);
  };
  groups('metrics', run.metrics.map((s) => ({ key: s.member, line: s })));
  groups('hosts', run.hostSamples.map((s) => ({ key: s.host, line: s })));
}

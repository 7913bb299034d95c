/**
 * The results folders of the bad-input corpus (bad-input-cases.ts): a run folder written with one damage
 * each (no manifest, a pipe or a device for one, a newer schema, an interval count that its histogram
 * does not hold, ...) that `report` or `compare` must refuse with E_RESULTS_INVALID naming the file.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHistogram, newMergeHistogram, recordUs } from '@etcdlab/common';
import { formatHlogEntry, hlogHeader, hlogTag } from '../../src/report/raw/hlog.js';
import type { BadCase } from './bad-input-cases.js';

type Obj = Record<string, unknown>;

export function badResultsCases(dirFor: () => string): BadCase[] {
  const out: BadCase[] = [];
  // ---- results folders -------------------------------------------------------------------------------------
  const res = (name: string, write: (dir: string) => void, mentions: (dir: string) => string[], cmd: 'report' | 'compare' = 'report') => {
    const dir = dirFor();
    const run = join(dir, 'run');
    mkdirSync(join(run, 'agents'), { recursive: true });
    write(run);
    // compare needs two distinct folders: the same bad run, copied.
    if (cmd === 'compare') cpSync(run, `${run}-copy`, { recursive: true });
    out.push({ kind: 'results', name, args: cmd === 'report' ? ['report', run] : ['compare', run, `${run}-copy`], code: 'E_RESULTS_INVALID', mentions: mentions(run), dir });
  };
  const manifest = (run: string, extra: Obj = {}) =>
    writeFileSync(join(run, 'manifest.json'), JSON.stringify({ schemaVersion: 2, runId: 'r', createdAt: '2026-01-01T00:00:00.000Z', status: 'completed', phases: [], cluster: { provider: 'external', members: 1, endpoints: [] }, workload: { name: 'w', source: 'w.yaml', quick: false, phases: [] }, ...extra }));
  res('no manifest', () => undefined, (r) => [join(r, 'manifest.json'), 'missing']);
  res('a manifest that is not JSON', (r) => writeFileSync(join(r, 'manifest.json'), '{"runId": '), (r) => [join(r, 'manifest.json'), 'JSON']);
  res('a manifest without a run id', (r) => writeFileSync(join(r, 'manifest.json'), JSON.stringify({ createdAt: 'x', cluster: {}, workload: {} })), (r) => [join(r, 'manifest.json'), 'runId']);
  res('a manifest that is a list', (r) => writeFileSync(join(r, 'manifest.json'), '[]'), (r) => [join(r, 'manifest.json')]);
  res('a manifest that is a pipe (nothing would ever be read)', (r) => execFileSync('mkfifo', [join(r, 'manifest.json')]), (r) => [join(r, 'manifest.json'), 'not a regular file']);
  res('a manifest that links to /dev/zero', (r) => symlinkSync('/dev/zero', join(r, 'manifest.json')), (r) => [join(r, 'manifest.json'), 'not a regular file']);
  res('a manifest of a newer schema', (r) => manifest(r, { schemaVersion: 99 }), (r) => [join(r, 'manifest.json'), 'newer etcdlab']);
  res('a report that is a file, not a folder', (r) => (manifest(r), writeFileSync(join(r, 'report'), 'x')), (r) => [join(r, 'report'), 'is a file']);
  res('a manifest with a phase of a wrong shape', (r) => manifest(r, { phases: [{ name: 'p' }] }), (r) => [join(r, 'manifest.json'), 'phases.0']);
  const line = (over: Obj = {}) => JSON.stringify({ runId: 'r', agentId: 'agent-1', instance: 'i1', seq: 0, phase: 'p', intervalStartMs: Date.parse('2026-01-01T00:00:01.000Z'), intervalMs: 1000, cpuUs: 1, lateStarts: 0, ops: [{ op: 'put', count: 200, errors: {} }], ...over }) + '\n';
  res('an interval count without its histogram', (r) => (manifest(r), writeFileSync(join(r, 'agents', 'agent-1.intervals.jsonl'), line())), (r) => [join(r, 'agents', 'agent-1.hlog'), 'no histogram']);
  res('an interval count edited (999 where the histogram holds 200)', (r) => {
    manifest(r);
    writeFileSync(join(r, 'agents', 'agent-1.intervals.jsonl'), line({ ops: [{ op: 'put', count: 999, errors: {} }] }));
    writeFileSync(join(r, 'agents', 'agent-1.hlog'), hlogWith200());
  }, (r) => [join(r, 'agents', 'agent-1.intervals.jsonl'), '999 operations, but its histogram in agent-1.hlog holds 200']);
  res('an interval count edited, seen by compare', (r) => {
    manifest(r);
    writeFileSync(join(r, 'agents', 'agent-1.intervals.jsonl'), line({ ops: [{ op: 'put', count: 201, errors: {} }] }));
    writeFileSync(join(r, 'agents', 'agent-1.hlog'), hlogWith200());
  }, (r) => [join(r, 'agents', 'agent-1.intervals.jsonl'), 'holds 200'], 'compare');
  res('a histogram that is not one', (r) => {
    manifest(r);
    writeFileSync(join(r, 'agents', 'agent-1.intervals.jsonl'), line());
    writeFileSync(join(r, 'agents', 'agent-1.hlog'), '#[BaseTime: 1767225600.000 (seconds since epoch)]\n"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\nTag=p/put,1.000,1.000,1.000,bm90IGEgaGlzdG9ncmFt\n');
  }, (r) => [join(r, 'agents', 'agent-1.intervals.jsonl'), 'no readable histogram']);
  return out;
}

/** An .hlog holding 200 values for the interval `line()` describes, encoded as the results writer does. */
function hlogWith200(): string {
  const h = newMergeHistogram();
  for (let i = 0; i < 200; i++) recordUs(h, 500 + i);
  return hlogHeader(Date.parse('2026-01-01T00:00:00.000Z'), 'agent-1') + formatHlogEntry({ tag: hlogTag('p', 'put', { warmup: false }), startSec: 1, lengthSec: 1, maxMs: 0.7, histogram: encodeHistogram(h) });
}

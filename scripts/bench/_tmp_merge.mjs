import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dist } from './lib.mjs';
const common = await dist('common/dist/index.js');
const { ResultsWriter } = await dist('coordinator/dist/run/results-writer.js');
const ops = Array.from({ length: 10 }, (_, k) => { const h = common.newAgentHistogram(); for (let i = 0; i < 100; i++) common.recordUs(h, 1000 + ((i * 7919 + k * 131) % 9000)); return { op: `op-${k}`, count: 100, errors: {}, histogram: common.encodeHistogram(h) }; });
const A = 1000; const ids = Array.from({ length: A }, (_, i) => `sim-${i}`);
const merger = new common.PhaseMerger({ phase: 'p', agentIds: ids, intervalMs: 1000, startAtMs: 0 });
const dir = await mkdtemp(join(tmpdir(), 'm-')); const writer = new ResultsWriter(dir, 0);
const t = { parse: 0, merge: 0, write: 0 };
for (let k = 0; k < 5; k++) for (let a = 0; a < A; a++) {
  const r = { runId: 'b', agentId: ids[a], seq: k, phase: 'p', intervalStartMs: k * 1000, intervalMs: 1000, ops, cpuUs: 1, lateStarts: 0 };
  let t0 = performance.now(); const p = common.intervalReportSchema.safeParse(r); t.parse += performance.now() - t0;
  t0 = performance.now(); merger.addInterval(p.data); t.merge += performance.now() - t0;
  t0 = performance.now(); writer.appendInterval(p.data); t.write += performance.now() - t0;
}
await writer.close(); await rm(dir, { recursive: true });
for (const [k, v] of Object.entries(t)) console.log(k, (v / 5000 * 1000).toFixed(0), 'us per report');
console.log('rss MB', Math.round(process.memoryUsage().rss / 1e6));

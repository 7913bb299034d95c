// Benchmark 3: agent memory over a long synthetic recording. The recorder closes a 1-second interval
// every 25,000 operations (4 ops, latencies and service times, some errors); each closed interval
// becomes a report that goes through the agent's spool and is acknowledged at once, as with a healthy
// coordinator. RSS is sampled as the run goes, so growth would show.
//   node memory.mjs [intervals] [opsPerInterval]  -> JSON line
import { dist } from './lib.mjs';

const INTERVALS = Number(process.argv[2] ?? 1800);
const PER_INTERVAL = Number(process.argv[3] ?? 25_000);
const { PhaseRecorder } = await dist('agent/dist/recorder.js');
const { ReportSpool } = await dist('agent/dist/spool.js');

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined };
let acked = 0;
const spool = new ReportSpool(async () => {
  acked++;
  return { ok: true };
}, silent);
let seq = 0;
const rec = new PhaseRecorder(0, 1000, (closed) => {
  spool.push({ event: 'interval', payload: { runId: 'bench', agentId: 'a', seq: seq++, phase: 'p', intervalStartMs: closed.index * 1000, intervalMs: 1000, ops: closed.ops, cpuUs: 0, lateStarts: 0 } });
});
const OPS = ['put', 'get', 'range', 'txn-put'];
const ERR = ['DEADLINE_EXCEEDED', 'UNAVAILABLE'];
const mb = () => process.memoryUsage().rss / 1024 / 1024;
const samples = [];
const rss0 = mb();
const step = 1000 / PER_INTERVAL;
let now = 0;
const t0 = performance.now();
for (let k = 0; k < INTERVALS; k++) {
  for (let i = 0; i < PER_INTERVAL; i++) {
    now += step;
    const lat = 500 + ((i * 7919) % 20_000) + (i % 1000 === 0 ? 2_000_000 : 0);
    if (i % 5000 === 1) rec.failure(OPS[i & 3], ERR[i & 1], now);
    else rec.success(OPS[i & 3], lat, now, lat * 0.8);
  }
  if (k % Math.max(1, Math.floor(INTERVALS / 10)) === 0) samples.push({ interval: k, rssMb: Math.round(mb()) });
  await new Promise((r) => setImmediate(r)); // let the spool send and drop its reports
}
rec.finish(now);
await spool.drained();
const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
console.log(JSON.stringify({ intervals: INTERVALS, opsRecorded: INTERVALS * PER_INTERVAL, reportsAcked: acked, seconds: (performance.now() - t0) / 1000, rssStartMb: rss0, rssEndMb: mb(), heapUsedMb: heapMb, samples }));

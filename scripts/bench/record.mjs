// Benchmark 2: the cost of recording one operation (PhaseRecorder.success), in its own process.
//   node record.mjs [calls]   -> JSON line
import { dist } from './lib.mjs';

const CALLS = Number(process.argv[2] ?? 5_000_000);
const { PhaseRecorder } = await dist('agent/dist/recorder.js');

// Realistic latencies: log-normal around 3 ms with a tail (microseconds), precomputed so that drawing
// them costs nothing inside the timed loop.
const N = 1 << 16;
const lat = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const g = Math.sqrt(-2 * Math.log(Math.random() || 1e-12)) * Math.cos(2 * Math.PI * Math.random());
  lat[i] = Math.exp(Math.log(3000) + 0.6 * g);
}
const OPS = ['put', 'get', 'range', 'delete'];

function measure(stepMs, calls) {
  let intervals = 0;
  const rec = new PhaseRecorder(0, 1000, () => intervals++);
  let now = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    now += stepMs;
    rec.success(OPS[i & 3], lat[i & (N - 1)], now);
  }
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  return { ns, intervals };
}

measure(0.04, 500_000); // JIT warm-up
// Within one interval (no interval closes) and at 25,000 ops/s of synthetic time (an interval, i.e. 4
// histograms encoded, every 25,000 calls): the second is what an agent pays per operation.
const steady = measure(0, CALLS);
const withClose = measure(1000 / 25_000, CALLS);
console.log(JSON.stringify({ calls: CALLS, nsPerSuccess: steady.ns, nsPerSuccessWithIntervals: withClose.ns, intervalsClosed: withClose.intervals }));

// One load run of the put benchmark, in its own process so that its CPU time is the agent's alone.
// Prints one JSON line: puts, errors, seconds, CPU (user/system us), latency percentiles (us).
// Modes: client (the bare client loop), agent (PhaseRunner + recorder), exec-memory and exec-durable (the
// whole PhaseExecution with its interval reports into the spool: in memory, or on disk with the 100 ms
// checkpoints; their difference is what durability costs).
//   node put-load.mjs <endpoint> <mode: agent|client|exec-memory|exec-durable> <transport: h2|node-http2> <total> <clients> <connections> <keySize> <valueSize> <maxSeconds>
import { dist } from './lib.mjs';

const [endpoint, mode, transport, totalArg, clientsArg, connsArg, keySizeArg, valueSizeArg, maxSecondsArg] = process.argv.slice(2);
const total = Number(totalArg);
const clients = Number(clientsArg);
const connections = Number(connsArg);
const keySize = Number(keySizeArg);
const valueSize = Number(valueSizeArg);
const maxSeconds = Number(maxSecondsArg);
const KEY_SPACE = 100_000;
const WARMUP = Math.min(10_000, Math.ceil(total / 10));
const DEADLINE_MS = 10_000;

const { EtcdClient } = await dist('agent/dist/etcd/index.js');
const common = await dist('common/dist/index.js');
const client = new EtcdClient({ endpoints: [endpoint], connections, transport });

/** Closed loop straight on the client: the transport's cost plus histogram recording, nothing else. */
async function clientLoop(n, record) {
  const keys = Array.from({ length: KEY_SPACE }, (_, i) => Buffer.from(String(i).padStart(keySize, '0').slice(-keySize)));
  const value = Buffer.alloc(valueSize, 'v');
  const hist = common.newAgentHistogram();
  let issued = 0;
  let errors = 0;
  const deadline = performance.now() + maxSeconds * 1000;
  const worker = async (c) => {
    while (issued < n && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        await client.put(keys[Math.floor(Math.random() * KEY_SPACE)], value, DEADLINE_MS, c % connections);
        if (record) common.recordUs(hist, (performance.now() - t0) * 1000);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => worker(c)));
  return { puts: issued - errors, errors, hist };
}

/** The agent's own path: a phase plan from a workload, PhaseRunner and PhaseRecorder (interval encoding included). */
async function agentRun(n) {
  const { PhaseRunner } = await dist('agent/dist/phase-runner.js');
  const { PhaseRecorder } = await dist('agent/dist/recorder.js');
  const yaml = [
    'name: bench-put',
    'phases:',
    '  - name: put',
    '    ops: { put: 1 }',
    `    clients: ${clients}`,
    `    connections: ${connections}`,
    `    total: ${n}`,
    `    keys: { prefix: b, distribution: uniform, space: ${KEY_SPACE}, size: ${keySize} }`,
    `    value: { size: ${valueSize} }`,
    `    deadline: ${DEADLINE_MS}ms`,
  ].join('\n');
  const workload = common.parseWorkload(yaml, 'bench-put.yaml');
  const [plan] = common.planPhase(workload.phases[0], 1, 'etcdlab/bench');
  const start = performance.now();
  const recorder = new PhaseRecorder(start, 1000, () => undefined);
  const timer = setTimeout(() => runner.stop(), maxSeconds * 1000);
  const runner = new PhaseRunner(plan, client, recorder, start);
  const outcome = await runner.run();
  clearTimeout(timer);
  recorder.finish(performance.now());
  const final = recorder.finals().find((f) => f.op === 'put');
  const errors = Object.values(final?.errors ?? {}).reduce((a, b) => a + b, 0);
  return { puts: final?.count ?? 0, errors, hist: final ? common.decodeHistogram(final.histogram) : common.newAgentHistogram(), issued: outcome.issued };
}

/** PhaseExecution as the session runs it: reports numbered and pushed into the spool, acknowledged at once. */
async function execRun(n, durable) {
  const { PhaseExecution } = await dist('agent/dist/phase-execution.js');
  const { ReportSpool } = await dist('agent/dist/spool.js');
  const { SpoolStore } = await dist('agent/dist/spool-store.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const pino = (await import('pino')).default;
  const logger = pino({ level: 'silent' });
  const dir = durable ? mkdtempSync(join(tmpdir(), 'etcdlab-bench-spool-')) : undefined;
  const spool = new ReportSpool(async () => ({ ok: true }), logger, dir ? new SpoolStore(dir, logger) : undefined);
  const yaml = ['name: bench-put', 'phases:', '  - name: put', '    ops: { put: 1 }', `    clients: ${clients}`, `    connections: ${connections}`, `    total: ${n}`, `    keys: { prefix: b, distribution: uniform, space: ${KEY_SPACE}, size: ${keySize} }`, `    value: { size: ${valueSize} }`, `    deadline: ${DEADLINE_MS}ms`].join('\n');
  const workload = common.parseWorkload(yaml, 'bench-put.yaml');
  const [plan] = common.planPhase(workload.phases[0], 1, 'etcdlab/bench');
  let seq = 0;
  let done;
  const sink = {
    interval: (r) => spool.push({ event: 'interval', payload: { ...r, instance: 'bench', seq: seq++ } }),
    done: (d) => {
      done = d;
      spool.push({ event: 'phase:done', payload: { ...d, instance: 'bench', lastSeq: seq - 1 } });
    },
    checkpoint: (reports) => void spool.checkpoint(reports?.map((r, k) => ({ ...r, instance: 'bench', seq: seq + k }))),
  };
  const exec = new PhaseExecution({ runId: 'bench', endpoints: [endpoint], clockOffsetMs: 0, intervalMs: 1000, plan }, 'bench', sink, logger);
  const timer = setTimeout(() => exec.stop(), maxSeconds * 1000);
  await exec.run(performance.timeOrigin + performance.now());
  clearTimeout(timer);
  await spool.drained();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const final = done.finals.find((f) => f.op === 'put');
  const errors = Object.values(final?.errors ?? {}).reduce((a, b) => a + b, 0);
  return { puts: final?.count ?? 0, errors, hist: final ? common.decodeHistogram(final.histogram) : common.newAgentHistogram() };
}

const run = mode === 'agent' ? agentRun : mode === 'exec-memory' ? (n) => execRun(n, false) : mode === 'exec-durable' ? (n) => execRun(n, true) : (n) => clientLoop(n, true);
await run(WARMUP); // connections up, JIT warm
process.send?.('start');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await run(total);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.send?.('end');
await client.close();
process.disconnect?.();
const h = r.hist;
console.log(
  JSON.stringify({
    puts: r.puts,
    errors: r.errors,
    seconds,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    p50Us: h.getValueAtPercentile(50),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue,
  }),
);

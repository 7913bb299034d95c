// Benchmark 4: the coordinator's merge keeps up with many agents. A real AgentServer (socket.io) with the
// run engine's handler (PhaseMerger + ResultsWriter, as in a run) receives one interval report per second
// from each of N simulated agents spread over several client processes.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, dist, fmt, machine, table } from './lib.mjs';

export async function coordinatorBench({ agents = 1000, processes = 4, intervals = 20, opsPerReport = 10, valuesPerOp = 100 } = {}) {
  console.log(`\n== coordinator scale: ${fmt(agents)} simulated agents over real socket.io connections (${processes} client processes),`);
  console.log(`   one report per agent per second for ${intervals} s, each with ${opsPerReport} op kinds (a histogram of ${valuesPerOp} latencies each); ${machine()}`);
  const { AgentServer } = await dist('coordinator/dist/fleet/agent-server.js');
  const { ResultsWriter } = await dist('coordinator/dist/run/results-writer.js');
  const common = await dist('common/dist/index.js');
  const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } };
  const token = 'bench-token-0123456789';
  const server = new AgentServer(token, silent);
  const { url } = await server.listen('127.0.0.1', 0);
  const dir = await mkdtemp(join(tmpdir(), 'etcdlab-bench-coord-'));
  const writer = new ResultsWriter(dir, Date.now());
  const ids = Array.from({ length: agents }, (_, i) => `sim-${i}`);

  const per = Math.ceil(agents / processes);
  const children = [];
  for (let p = 0; p < processes; p++) {
    const n = Math.min(per, agents - p * per);
    if (n <= 0) break;
    children.push(fork(join(ROOT, 'scripts/bench/coordinator-agents.mjs'), [url, token, String(p * per), String(n), String(opsPerReport), String(valuesPerOp)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  const t0 = performance.now();
  await Promise.all(children.map((c) => new Promise((resolve, reject) => {
    c.once('message', resolve);
    c.once('exit', (code) => reject(new Error(`simulated agents exited with ${code} before connecting`)));
  })));
  const connectSec = (performance.now() - t0) / 1000;

  const startAtMs = Date.now() + 1000;
  const merger = new common.PhaseMerger({ phase: 'bench', agentIds: ids, intervalMs: 1000, startAtMs });
  const lags = [];
  const lagByInterval = [];
  let received = 0;
  let handlerUs = 0;
  server.setHandler({
    interval: (r) => {
      const h0 = performance.now();
      if (merger.addInterval(r)) writer.appendInterval(r, merger.lastMaxima());
      const now = Date.now();
      handlerUs += (performance.now() - h0) * 1000;
      const lag = now - (r.intervalStartMs + r.intervalMs); // from the interval's end, when all agents send
      lags.push(lag);
      const k = Math.round((r.intervalStartMs - startAtMs) / 1000);
      (lagByInterval[k] ??= []).push(lag);
      received++;
      return { ok: true };
    },
    done: () => ({ ok: true }),
    fault: () => undefined,
  });
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const results = await Promise.all(children.map((c) => new Promise((resolve) => {
    c.once('message', resolve);
    c.send({ startAtMs, intervals });
  })));
  const wallSec = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  await writer.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });

  const acked = results.reduce((a, r) => a + r.acked, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  lags.sort((a, b) => a - b);
  const pct = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? NaN;
  const span = wallSec; // the reports span the whole run
  const out = {
    agents, processes, intervals, opsPerReport, connectSec,
    reportsExpected: agents * intervals, reportsReceived: received, acked, failed,
    coordinatorCpuPerSec: (cpu.user + cpu.system) / 1e6 / span,
    handlerMsPerSec: handlerUs / 1000 / span,
    eventLoopUtilization: elu.utilization,
    lagMs: { p50: pct(50), p99: pct(99), max: lags.at(-1) },
  };
  // Keeping up: every report merged and acknowledged, the coordinator busy less than 90% of the time,
  // and no growing backlog (the last intervals are not merged later than the first ones, give or take 1 s).
  const p99Of = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] ?? NaN;
  const window = Math.max(1, Math.min(5, Math.floor(intervals / 4)));
  const firstLag = Math.max(...lagByInterval.slice(0, window).map((xs) => p99Of(xs ?? [])));
  const lastLag = Math.max(...lagByInterval.slice(intervals - window).map((xs) => p99Of(xs ?? [])));
  out.lagP99FirstMs = firstLag;
  out.lagP99LastMs = lastLag;
  const keepsUp = received === agents * intervals && failed === 0 && elu.utilization < 0.9 && lastLag <= firstLag + 1000;
  console.log(table(['reports', 'acked', 'failed', 'coordinator CPU s/s', 'merge+write ms/s', 'event loop busy', 'lag p50 ms', 'lag p99 ms', 'lag max ms'], [[
    `${fmt(received)}/${fmt(agents * intervals)}`, fmt(acked), fmt(failed), fmt(out.coordinatorCpuPerSec, 2), fmt(out.handlerMsPerSec, 0), `${fmt(elu.utilization * 100, 0)}%`, fmt(out.lagMs.p50), fmt(out.lagMs.p99), fmt(out.lagMs.max),
  ]]));
  console.log(`   connecting ${fmt(agents)} sockets took ${fmt(connectSec, 1)} s. Lag: from an interval's end (when every agent sends) to its merge.`);
  console.log(`   lag p99 of the first ${window} intervals ${fmt(firstLag)} ms, of the last ${window} ${fmt(lastLag)} ms.`);
  console.log(`   keeps up in real time: ${keepsUp ? 'YES' : 'NO'} (every report merged and acknowledged, event loop busy < 90%, no growing lag)`);
  return { ...out, keepsUp };
}

// Benchmark 1: put throughput and agent CPU per put, against one local etcd member on the same cores.
// Each variant runs in its own process against a fresh member (data dir in /dev/shm unless --data-dir).
import { join } from 'node:path';
import { ROOT, fmt, machine, machineBusyUs, processCpuUs, runJsonChild, startEtcd, table } from './lib.mjs';

// 80,000 measured puts after an 8,000-put warm-up stay below etcd's default --snapshot-count (100,000
// applied entries): a longer run also measures an etcd snapshot, whose CPU lands on the same two cores.
export const PUT_DEFAULTS = { total: 80_000, clients: 100, connections: 10, keySize: 8, valueSize: 256, maxSeconds: 60 };

const VARIANTS = [
  { name: 'agent path (PhaseRunner + recorder), h2', mode: 'agent', transport: 'h2' },
  { name: 'bare client loop, h2', mode: 'client', transport: 'h2' },
  // The whole phase execution with its reports: a memory spool, then the durable spool with 100 ms checkpoints.
  { name: 'phase execution, memory spool, h2', mode: 'exec-memory', transport: 'h2' },
  { name: 'phase execution, durable spool + checkpoints, h2', mode: 'exec-durable', transport: 'h2' },
  { name: 'agent path, node:http2', mode: 'agent', transport: 'node-http2' },
  { name: 'bare client loop, node:http2', mode: 'client', transport: 'node-http2' },
];

export async function putBench({ dataBase = '/dev/shm', total = PUT_DEFAULTS.total, variants = VARIANTS.map((v) => v.mode + ':' + v.transport), repeat = 3 } = {}) {
  const o = { ...PUT_DEFAULTS, total };
  console.log(`\n== put throughput: ${o.clients} clients over ${o.connections} connections, ${o.keySize}-byte keys, ${o.valueSize}-byte values, ${fmt(o.total)} puts per run (at most ${o.maxSeconds} s)`);
  console.log(`   one etcd member per run (fresh, data dir in ${dataBase}), ${repeat} run(s) per h2 variant; ${machine()}`);
  const rows = [];
  const results = [];
  for (const v of VARIANTS.filter((x) => variants.includes(x.mode + ':' + x.transport))) {
    // node:http2 costs ~5x the CPU: a smaller run gives the same per-put figures in reasonable time.
    const runTotal = v.transport === 'node-http2' ? Math.min(o.total, 50_000) : o.total;
    // node:http2 runs once: it is here for comparison, and each run takes a while.
    for (let i = 0; i < (v.transport === 'node-http2' ? 1 : repeat); i++) {
      const etcd = await startEtcd({ dataBase });
      try {
        // etcd's CPU is sampled when the load process starts and ends its measured part (after its warm-up).
        const marks = {};
        const r = await runJsonChild(join(ROOT, 'scripts/bench/put-load.mjs'), [etcd.clientUrl, v.mode, v.transport, runTotal, o.clients, o.connections, o.keySize, o.valueSize, o.maxSeconds].map(String), {
          onMessage: (m) => (marks[m] = { etcd: processCpuUs(etcd.pid), machine: machineBusyUs() }),
        });
        const etcdCpu = marks.end.etcd - marks.start.etcd;
        // Everything else that ran on the machine meanwhile (other tests, the shell): the run's noise.
        const othersCores = (marks.end.machine - marks.start.machine - etcdCpu - r.cpuUserUs - r.cpuSystemUs) / 1e6 / r.seconds;
        const putsPerSec = r.puts / r.seconds;
        const cpuPerPut = (r.cpuUserUs + r.cpuSystemUs) / r.puts;
        const result = { variant: v.name, etcdVersion: etcd.version, ...r, putsPerSec, cpuPerPut, etcdCpuPerPut: etcdCpu / r.puts, etcdCores: etcdCpu / 1e6 / r.seconds, othersCores };
        results.push(result);
        rows.push([v.name, fmt(r.puts), fmt(r.errors), fmt(putsPerSec), fmt(cpuPerPut, 1), fmt(r.cpuUserUs / r.puts, 1), fmt(r.cpuSystemUs / r.puts, 1), fmt(r.p50Us / 1000, 2), fmt(r.p99Us / 1000, 2), fmt(result.etcdCpuPerPut, 1), fmt(Math.max(0, othersCores), 2)]);
      } finally {
        await etcd.stop();
      }
    }
  }
  console.log(table(['variant', 'puts', 'errors', 'puts/s', 'us CPU/put', 'user', 'sys', 'p50 ms', 'p99 ms', 'etcd us CPU/put', 'others cores'], rows));
  console.log('   us CPU/put: the load process (user + system, all threads, from process.cpuUsage) over the measured');
  console.log("   puts, after a warm-up; etcd us CPU/put: etcd's own CPU (/proc) over the same measured part; others cores:");
  console.log('   CPU used meanwhile by every other process on the machine (2 cores in all): the noise of that run.');
  return results;
}

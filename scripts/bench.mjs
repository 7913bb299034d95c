#!/usr/bin/env node
// `npm run bench`: etcdlab's speed figures, printed (not timed tests). Runs on the built dist; builds it
// first when it is missing. Every load is bounded in count and time; etcd members are started on free
// loopback ports with their data in /dev/shm (or --data-dir DIR) and removed afterwards.
//
//   node scripts/bench.mjs [put] [record] [memory] [coordinator] [kill] [dump] [--total N] [--repeat N] [--data-dir DIR]
//                          [--agents N] [--intervals N] [--dump-mib N] [--quick] [--json FILE]
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, fmt, machine, runJsonChild, table } from './bench/lib.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    total: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    'data-dir': { type: 'string', default: '/dev/shm' },
    agents: { type: 'string', default: '1000' },
    intervals: { type: 'string' },
    'dump-mib': { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const ALL = ['put', 'record', 'memory', 'coordinator', 'kill', 'dump'];
const which = positionals.length ? positionals : ALL;
for (const w of which) if (!ALL.includes(w)) throw new Error(`unknown benchmark "${w}": choose from ${ALL.join(', ')}`);

if (!existsSync(join(ROOT, 'agent/dist/h2/session.js')) || !existsSync(join(ROOT, 'coordinator/dist/fleet/agent-server.js'))) {
  console.error('[bench] building (npx tsc -b coordinator agent common)');
  execFileSync('npx', ['tsc', '-b', 'coordinator', 'agent', 'common'], { cwd: ROOT, stdio: 'inherit' });
}

const quick = opts.quick;
const results = { machine: machine(), startedAt: new Date().toISOString() };
const verdicts = [];
console.log(`etcdlab benchmarks (${machine()})`);

if (which.includes('put')) {
  const { putBench } = await import('./bench/put.mjs');
  const runs = await putBench({ dataBase: opts['data-dir'], total: Number(opts.total ?? (quick ? 30_000 : 80_000)), repeat: Number(quick ? 1 : opts.repeat) });
  results.put = runs;
  const agent = runs.filter((r) => r.variant === 'agent path (PhaseRunner + recorder), h2');
  if (agent.length) {
    const best = agent.reduce((a, b) => (b.putsPerSec > a.putsPerSec ? b : a));
    verdicts.push(['put throughput, agent path', `${fmt(best.putsPerSec)} puts/s`, '>= 25,000 puts/s', best.putsPerSec >= 25_000]);
    verdicts.push(['agent CPU per put', `${fmt(best.cpuPerPut, 1)} us`, '<= 30 us', best.cpuPerPut <= 30]);
  }
  // Durability's cost: the same phase execution with the durable spool and 100 ms checkpoints, against a
  // memory spool (medians of the runs, CPU per put).
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mem = runs.filter((r) => r.variant === 'phase execution, memory spool, h2').map((r) => r.cpuPerPut);
  const dur = runs.filter((r) => r.variant === 'phase execution, durable spool + checkpoints, h2').map((r) => r.cpuPerPut);
  if (mem.length && dur.length) {
    const cost = (median(dur) - median(mem)) / median(mem);
    results.durabilityCost = cost;
    console.log(`   durable spool + 100 ms checkpoints: ${fmt(median(dur), 2)} us CPU/put against ${fmt(median(mem), 2)} with a memory spool (${fmt(cost * 100, 1)}%)`);
    verdicts.push(['durable spool + checkpoints, agent CPU', `${cost >= 0 ? '+' : ''}${fmt(cost * 100, 1)}%`, '< 5%', cost < 0.05]);
  }
}

if (which.includes('record')) {
  const r = await runJsonChild(join(ROOT, 'scripts/bench/record.mjs'), [String(quick ? 2_000_000 : 10_000_000)]);
  results.record = r;
  console.log(`\n== recording cost: PhaseRecorder.success(), ${fmt(r.calls)} calls over 4 ops`);
  console.log(table(['measure', 'ns per call'], [
    ['success(), within an interval', fmt(r.nsPerSuccess, 0)],
    ['success() at 25,000 ops/s, interval encoding included', fmt(r.nsPerSuccessWithIntervals, 0)],
  ]));
  verdicts.push(['recording one operation', `${fmt(r.nsPerSuccessWithIntervals, 0)} ns`, '< 200 ns', r.nsPerSuccessWithIntervals < 200]);
}

if (which.includes('memory')) {
  const intervals = Number(opts.intervals ?? (quick ? 300 : 3600));
  const r = await runJsonChild(join(ROOT, 'scripts/bench/memory.mjs'), [String(intervals), '25000'], { timeoutMs: 1_800_000 });
  results.memory = r;
  console.log(`\n== agent memory: ${fmt(r.intervals)} one-second intervals at 25,000 ops/s recorded (${fmt(r.opsRecorded)} ops, ${fmt(r.seconds, 0)} s), reports spooled and acknowledged`);
  console.log(table(['interval', ...r.samples.map((s) => fmt(s.interval)), 'end'], [['RSS MB', ...r.samples.map((s) => fmt(s.rssMb)), fmt(r.rssEndMb)]]));
  const peak = Math.max(r.rssEndMb, ...r.samples.map((s) => s.rssMb));
  verdicts.push(['agent RSS over a long recording', `${fmt(peak)} MB peak`, '< 250 MB', peak < 250]);
}

if (which.includes('coordinator')) {
  const { coordinatorBench } = await import('./bench/coordinator.mjs');
  const r = await coordinatorBench({ agents: Number(opts.agents), intervals: Number(opts.intervals ?? (quick ? 10 : 30)) });
  results.coordinator = r;
  verdicts.push([`coordinator merge, ${fmt(r.agents)} agents`, `${fmt(r.coordinatorCpuPerSec, 2)} CPU s per s, lag p99 ${fmt(r.lagMs.p99)} ms`, 'keeps up in real time', r.keepsUp]);
}

if (which.includes('kill')) {
  const { agentKillBench } = await import('./bench/agent-kill.mjs');
  const runs = await agentKillBench({ dataBase: opts['data-dir'], repeat: quick ? 1 : Number(opts.repeat) });
  results.kill = runs;
  const worst = Math.max(...runs.map((r) => r.lost));
  verdicts.push(['writes lost to an agent SIGKILL at 10,000 puts/s', `${fmt(worst)} at worst (${fmt(worst / 10, 1)} ms of load)`, '<= 100 ms of load + in flight', runs.every((r) => r.status === 'equal' || r.status === 'within-window')]);
}

if (which.includes('dump')) {
  const { dumpBench } = await import('./bench/dump.mjs');
  const r = await dumpBench({ dataBase: opts['data-dir'], mib: Number(opts['dump-mib'] ?? (quick ? 128 : 512)) });
  results.dump = r;
  const csv = r.rows.find((x) => x.name === 'etcdlab dump (CSV)');
  if (csv) {
    verdicts.push(['dump throughput (CSV, 64 KiB values)', `${fmt(csv.valueMbPerSec, 1)} MB/s, ${fmt(csv.keysPerSec)} keys/s`, '>= 40 MB/s', csv.valueMbPerSec >= 40]);
    verdicts.push(['dump peak memory', `${fmt(csv.peakMb)} MB for ${fmt(r.mib)} MiB`, '< 250 MB, flat', csv.peakMb < 250]);
  }
}

console.log('\n== summary');
console.log(table(['figure', 'measured', 'target', 'met'], verdicts.map(([a, b, c, ok]) => [a, b, c, ok ? 'yes' : 'NO'])));
if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));

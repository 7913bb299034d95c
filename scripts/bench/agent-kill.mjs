// Benchmark: writes lost to a SIGKILL of an agent at 10,000 puts/s. A real run (the CLI, one local agent,
// an open loop of puts for 12 s against a fresh etcd member); 4 s into the phase the agent process is
// SIGKILLed, the local fleet starts it again, it resends its spool and checkpoint and rejoins. The loss
// is what etcd counted (revision delta) minus what the results account for: the witness's difference.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, fmt, startEtcd, table } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function oneRun(dataBase, rate, work, k) {
  const etcd = await startEtcd({ dataBase });
  const results = join(work, `run-${k}`);
  const wl = join(work, 'kill.yaml');
  writeFileSync(wl, `name: kill-bench\nphases:\n  - name: puts\n    ops: { put: 1 }\n    clients: 256\n    connections: 8\n    rate: ${rate}\n    duration: 12s\n    keys: { prefix: kb, distribution: uniform, space: 100000 }\n    value: { size: 256 }\n`);
  try {
    const child = spawn(process.execPath, [join(ROOT, 'coordinator/bin/etcdlab.js'), 'run', '--endpoints', etcd.clientUrl, '-w', wl, '--agents', '1', '--json', '--results', results], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((r) => child.on('close', r));
    // Bounded: agent-1's log says the phase started (30 s), then 4 s of load.
    const deadline = Date.now() + 30_000;
    let runDir;
    while (!runDir && Date.now() < deadline) {
      const [id] = existsSync(results) ? readdirSync(results) : [];
      const log = id ? join(results, id, 'agents', 'agent-1.log') : '';
      if (log && existsSync(log) && readFileSync(log, 'utf8').includes('"phase started"')) runDir = join(results, id);
      else await sleep(100);
    }
    if (!runDir) throw new Error(`the agent did not start the phase within 30 s: ${err.slice(-2000)}`);
    await sleep(4000);
    const pid = Number(JSON.parse(readFileSync(join(runDir, 'agents', 'agent-1.log'), 'utf8').split('\n')[0]).pid);
    process.kill(pid, 'SIGKILL');
    const code = await Promise.race([exited, sleep(90_000).then(() => 'timeout')]);
    if (code === 'timeout') child.kill('SIGKILL');
    const s = JSON.parse(out);
    const p = s.phases[0];
    const restart = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')).phases[0].restarts?.[0];
    return { code, etcdWrites: p.witness.etcdWrites, agentWrites: p.witness.agentWrites, lost: -p.witness.difference, allowance: p.witness.allowance, status: p.witness.status, awaySec: restart ? (restart.backAtMs - restart.lostAtMs) / 1000 : NaN, reachedPerSec: p.openLoop?.reachedOpsPerSec ?? p.all.throughputOpsPerSec };
  } finally {
    await etcd.stop();
    rmSync(results, { recursive: true, force: true });
  }
}

export async function agentKillBench({ dataBase = '/dev/shm', rate = 10_000, repeat = 3 } = {}) {
  console.log(`\n== writes lost to a SIGKILL of the agent at ${fmt(rate)} puts/s (open loop, 12 s phase, killed 4 s in; restarted by the local fleet)`);
  const work = mkdtempSync(join(tmpdir(), 'etcdlab-bench-kill-'));
  const runs = [];
  try {
    for (let k = 0; k < repeat; k++) runs.push(await oneRun(dataBase, rate, work, k));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(table(['run', 'exit', 'etcd counted', 'results', 'lost', 'lost ms at rate', 'allowed', 'witness', 'away s'], runs.map((r, k) => [String(k + 1), String(r.code), fmt(r.etcdWrites), fmt(r.agentWrites), fmt(r.lost), fmt((r.lost / rate) * 1000, 1), fmt(r.allowance), r.status, fmt(r.awaySec, 1)])));
  console.log('   lost: writes etcd acknowledged that are in no result (its revision delta minus the agents\' accounted writes);');
  console.log('   lost ms at rate: the same as time at the asked rate; allowed: the witness\'s bound for the restart (100 ms + in flight).');
  return runs;
}

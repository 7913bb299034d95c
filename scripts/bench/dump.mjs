// Benchmark: `etcdlab dump` throughput and memory, beside etcdctl reading the same keys. A fresh member
// (data in /dev/shm unless --data-dir) is filled with `mib` MiB of 64 KiB values, then each reader runs as
// a user would (a child process, its output to a pipe that this process drains and counts). Peak memory is
// the child's VmHWM from /proc, sampled every 50 ms. Bounded: a fixed key count, a 10-minute limit per reader.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, dist, findEtcd, fmt, startEtcd, table } from './lib.mjs';

const VALUE = 64 * 1024;

function peakKb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs a reader, counts what it writes to stdout, and measures its wall time and peak RSS. */
function measure(cmd, args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let lines = 0;
    let peak = 0;
    let err = '';
    p.stdout.on('data', (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
    });
    p.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const sampler = setInterval(() => (peak = Math.max(peak, peakKb(p.pid))), 50);
    const limit = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(limit);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ seconds, bytes, lines, peakMb: peak / 1024, stderr: err });
    });
  });
}

export async function dumpBench({ dataBase = '/dev/shm', mib = 512 } = {}) {
  const keys = Math.round((mib * 1024 * 1024) / VALUE);
  console.log(`\n== dump: ${fmt(keys)} keys of 64 KiB (${fmt(mib)} MiB of values), one member, data in ${dataBase}`);
  const etcd = await startEtcd({ dataBase });
  const { EtcdClient } = await dist('agent/dist/etcd/index.js');
  const client = new EtcdClient({ endpoints: [etcd.clientUrl], connections: 4 });
  try {
    const fillStart = Date.now();
    for (let i = 0; i < keys; i += 64)
      await Promise.all(Array.from({ length: Math.min(64, keys - i) }, (_, k) => client.put(Buffer.from(`dump/${String(i + k).padStart(7, '0')}`), Buffer.alloc(VALUE, `${i + k},`), 30_000)));
    console.log(`   filled in ${fmt((Date.now() - fillStart) / 1000, 1)} s`);
    const cli = join(ROOT, 'coordinator/bin/etcdlab.js');
    const etcdctl = process.env.ETCDCTL_BIN || join(findEtcd(), '..', 'etcdctl');
    const readers = [
      ['etcdlab dump (CSV)', process.execPath, [cli, 'dump', '--endpoints', etcd.clientUrl, '--prefix', 'dump/']],
      ['etcdlab dump --format jsonl', process.execPath, [cli, 'dump', '--endpoints', etcd.clientUrl, '--prefix', 'dump/', '--format', 'jsonl']],
      ['etcdlab dump --keys-only', process.execPath, [cli, 'dump', '--endpoints', etcd.clientUrl, '--prefix', 'dump/', '--keys-only']],
      ['etcdctl get --prefix (one response)', etcdctl, ['--endpoints', etcd.clientUrl, 'get', '--prefix', 'dump/']],
      ['etcdctl get --prefix -w json', etcdctl, ['--endpoints', etcd.clientUrl, 'get', '--prefix', 'dump/', '-w', 'json']],
    ];
    const rows = [];
    for (const [name, cmd, args] of readers) {
      let r;
      try {
        r = await measure(cmd, args);
      } catch (err) {
        // etcdctl reads the whole prefix in one response: past its 2 GiB receive limit it fails. Said, not hidden.
        console.log(`   ${name}: failed: ${String(err.message).split('\n')[0].slice(0, 300)}`);
        continue;
      }
      const valueMb = (name.includes('keys-only') ? 0 : keys * VALUE) / 1e6;
      rows.push({ name, seconds: r.seconds, keysPerSec: keys / r.seconds, valueMbPerSec: valueMb / r.seconds, outMb: r.bytes / 1e6, peakMb: r.peakMb });
    }
    console.log(table(['reader', 's', 'keys/s', 'value MB/s', 'output MB', 'peak RSS MB'], rows.map((r) => [r.name, fmt(r.seconds, 1), fmt(r.keysPerSec), r.valueMbPerSec > 0 ? fmt(r.valueMbPerSec, 1) : '-', fmt(r.outMb, 1), fmt(r.peakMb)])));
    console.log('   etcdctl reads the prefix in one response (memory grows with the data); etcdlab dump pages at one revision (flat).');
    return { keys, mib, rows };
  } finally {
    await client.close();
    await etcd.stop();
  }
}

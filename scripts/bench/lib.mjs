// Helpers shared by the benchmarks: a real etcd member on free loopback ports, CPU accounting from
// /proc, child processes that report JSON, and table printing. Plain ESM on the built dist: no build step.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Clock ticks per second for /proc/<pid>/stat (Linux: 100). */
const CLK_TCK = 100;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function findEtcd() {
  const bin = process.env.ETCD_BIN || '/usr/bin/etcd';
  if (!existsSync(bin)) throw new Error(`etcd not found at ${bin}: apt-get install etcd-server, or set ETCD_BIN`);
  return bin;
}

/** CPU time (user + system, all threads) of a process, in microseconds, from /proc. */
export function processCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** Busy CPU time of the whole machine (all CPUs, everything but idle and iowait), in microseconds. */
export function machineBusyUs() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e6) / CLK_TCK;
}

/**
 * Starts one etcd member on free ports with its data dir under `dataBase` (/dev/shm: memory, so disk
 * speed does not enter the figures; /tmp: the real disk). Resolves when /health says true.
 */
export async function startEtcd({ dataBase = '/dev/shm', extraArgs = [] } = {}) {
  const bin = findEtcd();
  const dataDir = await mkdtemp(join(dataBase, 'etcdlab-bench-'));
  const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD')));
  const proc = spawn(
    bin,
    [
      '--name', 'bench', '--data-dir', dataDir,
      '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `bench=${peerUrl}`, '--initial-cluster-state', 'new',
      '--listen-metrics-urls', `http://127.0.0.1:${metrics}`,
      '--quota-backend-bytes', String(8 * 1024 ** 3),
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error',
      ...extraArgs,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const until = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${metrics}/health`, { signal: AbortSignal.timeout(1000) });
      if ((await res.json()).health === 'true') break;
    } catch {}
    if (Date.now() > until) {
      await stop();
      throw new Error(`etcd not healthy after 30 s: ${stderr}`);
    }
    await sleep(100);
  }
  const version = await etcdVersion(bin);
  return { proc, pid: proc.pid, clientUrl, dataDir, version, stop };
}

async function etcdVersion(bin) {
  return new Promise((resolve) => {
    const p = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => resolve(/etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown'));
  });
}

/**
 * Runs `node script args...` and resolves with the JSON object it prints last on stdout. Messages the
 * child sends with process.send() go to onMessage (e.g. to sample another process at a phase change).
 */
export function runJsonChild(script, args, { timeoutMs = 300_000, nodeArgs = [], onMessage } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    if (onMessage) p.on('message', onMessage);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...JSON.parse(line), pid: p.pid });
      } catch {
        reject(new Error(`${script} exited ${code} without a JSON result: ${out.slice(-2000)}`));
      }
    });
  });
}

/** Loads a module of the built dist, with a clear message when the build is missing. */
export async function dist(path) {
  const file = join(ROOT, path);
  if (!existsSync(file)) throw new Error(`${path} is missing: build first (npx tsc -b coordinator agent common)`);
  return import(file);
}

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(n));

/** One-line description of the machine the figures come from. */
export function machine() {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
  return `node ${process.version}, ${cpus} CPUs, load average ${load}`;
}

/**
 * The local provider against the real etcd binary. Requires etcd: this suite fails (never skips) without it.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, EtcdlabError, InputError } from '@etcdlab/common';
import {
  findEtcdBinary, readClusterState, startLocalCluster, stopClusterFromState,
  type LocalCluster, type EtcdBinary,
} from '../src/cluster/local/index.js';
import { captureLogger, freeBasePort, isAlive, makeTempDir, pidsMentioning } from './helpers/local-etcd.js';

const run = promisify(execFile);

let etcd: EtcdBinary;
let etcdctl: string;
beforeAll(async () => {
  try {
    etcd = await findEtcdBinary();
  } catch (err) {
    const detail = err instanceof EtcdlabError ? err.describe() : String(err);
    throw new Error(
      `these tests need a real etcd server binary, none was found:\n${detail}\n` +
        'get one with `apt-get install etcd-server` (Debian/Ubuntu), or download a release from ' +
        'https://github.com/etcd-io/etcd/releases and set ETCD_BIN=/path/to/etcd (etcdctl must sit next to it or be on PATH)',
    );
  }
  const sibling = path.join(path.dirname(etcd.path), 'etcdctl');
  etcdctl = (await stat(sibling).then(() => true, () => false)) ? sibling : 'etcdctl';
});

// Every test gets its own temp dir; whatever a test leaves running is stopped and the dir removed.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function tempDir(prefix: string): Promise<string> {
  const t = await makeTempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}
function track(h: LocalCluster): LocalCluster {
  cleanups.push(() => h.stop());
  return h;
}

async function failure(p: Promise<unknown>): Promise<EtcdlabError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(EtcdlabError);
  return err as EtcdlabError;
}

async function ctl(endpoints: string[], ...args: string[]): Promise<string> {
  const { stdout } = await run(etcdctl, [`--endpoints=${endpoints.join(',')}`, '--dial-timeout=5s', ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    timeout: 20_000,
  });
  return stdout;
}

describe('local provider with the real etcd', () => {
  it('starts 3 healthy members that serve put/get, then stop() leaves nothing running', async () => {
    const dir = await tempDir('cluster');
    const { logger, lines } = captureLogger();
    const t0 = Date.now();
    const h = track(await startLocalCluster({ members: 3, dir, logger }));
    const healthyMs = Date.now() - t0;
    console.info(`3-member local cluster healthy after ${healthyMs} ms`);

    expect(h.members.map((m) => m.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(h.etcdVersion).toBe(etcd.version);
    expect(h.clientEndpoints).toEqual(h.members.map((m) => m.clientUrl));
    for (const m of h.members) {
      expect(m.clientUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(m.peerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(m.clientUrl).not.toMatch(/:(2379|2380)$/);
      expect(m.dataDir).toBe(path.join(dir, m.name, 'data'));
      expect(m.logFile).toBe(path.join(dir, `${m.name}.log`));
      expect(await isAlive(m.pid as number)).toBe(true);
      const res = await fetch(`${m.clientUrl}/health`);
      expect(await res.json()).toMatchObject({ health: 'true' });
    }

    expect(await ctl(h.clientEndpoints, 'put', 'etcdlab-key', 'hello')).toContain('OK');
    expect((await ctl(h.clientEndpoints, 'get', 'etcdlab-key')).trim().split('\n')).toEqual(['etcdlab-key', 'hello']);
    const list = (await ctl(h.clientEndpoints, 'member', 'list')).trim().split('\n');
    expect(list).toHaveLength(3);
    for (const m of h.members) expect(list.some((l) => l.includes(m.name) && l.includes(m.clientUrl))).toBe(true);

    const state = await readClusterState(dir);
    expect(state.status).toBe('running');
    expect(state.members.map((m) => m.pid)).toEqual(h.members.map((m) => m.pid));

    // Every step is logged as structured JSON.
    expect(lines.some((l) => l.msg === 'cluster healthy' && l.members === 3)).toBe(true);
    expect(lines.filter((l) => l.msg === 'member spawned')).toHaveLength(3);

    await h.stop();
    for (const m of h.members) expect(await isAlive(m.pid as number)).toBe(false);
    expect(await pidsMentioning(dir)).toEqual([]);
    expect((await readClusterState(dir)).status).toBe('stopped');
    await h.stop(); // idempotent
  });

  it('a fixed base port that is taken fails with E_PORT_IN_USE (exit 2) before anything starts', async () => {
    const dir = await tempDir('port');
    const base = await freeBasePort(6);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(base + 2, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(() => r())));

    const err = await failure(startLocalCluster({ members: 3, dir, basePort: base, logger: captureLogger().logger }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('E_PORT_IN_USE');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--base-port');
    expect(err.message).toContain(String(base + 2));
    expect(err.problems[0]?.fix).toContain('omit --base-port');
    expect(await pidsMentioning(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a broken etcd binary fails with E_MEMBER_START_FAILED showing its output, nothing left running', async () => {
    const dir = await tempDir('broken');
    const binDir = await tempDir('broken-bin');
    const bin = path.join(binDir, 'etcd');
    await writeFile(bin, '#!/bin/sh\necho "boom: bad flag" >&2\nexit 1\n');
    await chmod(bin, 0o755);

    const err = await failure(startLocalCluster({ members: 3, dir, etcdBin: bin, logger: captureLogger().logger }));
    expect(err).toBeInstanceOf(ClusterError);
    expect(err.code).toBe('E_MEMBER_START_FAILED');
    expect(err.message).toContain('boom: bad flag');
    expect(err.message).toMatch(/etcd member etcd-[123] exited with code 1/);
    expect(await pidsMentioning(dir)).toEqual([]);
    expect((await readClusterState(dir)).status).toBe('failed');
  });

  it('a cluster that is not healthy in time is stopped and reported with the member log', async () => {
    const dir = await tempDir('slow');
    const binDir = await tempDir('slow-bin');
    const bin = path.join(binDir, 'etcd');
    // Runs but never serves /health; its `sleep` children share its process group and must go too.
    await writeFile(bin, '#!/bin/sh\necho "fake etcd: never healthy"\nwhile :; do sleep 0.2; done\n');
    await chmod(bin, 0o755);

    const t0 = Date.now();
    const err = await failure(startLocalCluster({ members: 3, dir, etcdBin: bin, logger: captureLogger().logger, startTimeoutMs: 1500 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(err.code).toBe('E_MEMBER_START_FAILED');
    expect(err.message).toMatch(/etcd member etcd-1 was not healthy within 1500 ms \(unhealthy: etcd-1, etcd-2, etcd-3/);
    expect(err.message).toContain(path.join(dir, 'etcd-1.log'));
    expect(err.message).toContain('fake etcd: never healthy');
    const pids = (await readClusterState(dir)).members.map((m) => m.pid);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(await isAlive(pid)).toBe(false);
    expect(await pidsMentioning(dir)).toEqual([]);
  });

  it('aborting during startup stops the members already started', async () => {
    const dir = await tempDir('abort');
    const ac = new AbortController();
    const { logger, lines } = captureLogger();
    const pending = startLocalCluster({ members: 3, dir, logger, signal: ac.signal });
    const spawned = setInterval(() => lines.some((l) => l.msg === 'member spawned') && ac.abort(), 5);
    const err = await failure(pending).finally(() => clearInterval(spawned));
    expect(err.code).toBe('E_RUN_ABORTED');
    expect(await pidsMentioning(dir)).toEqual([]);
    expect((await readClusterState(dir)).status).toBe('failed');
  });

  it('a kept (detached) cluster is stopped later from cluster.json, idempotently', async () => {
    const dir = await tempDir('kept');
    const h = await startLocalCluster({ members: 3, dir, logger: captureLogger().logger });
    cleanups.push(() => h.stop()); // safety net only: stopClusterFromState below should already have done it
    h.detach();
    const pids = h.members.map((m) => m.pid as number);
    for (const pid of pids) expect(await isAlive(pid)).toBe(true);

    const { logger } = captureLogger();
    const first = await stopClusterFromState(dir, { removeData: true, logger });
    expect(first.members.map((m) => m.outcome)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const pid of pids) expect(await isAlive(pid)).toBe(false);
    expect(await pidsMentioning(dir)).toEqual([]);
    expect(first.removedDataDirs).toEqual(h.members.map((m) => m.dataDir));
    expect((await readdir(dir)).sort()).toEqual(['cluster.json', 'etcd-1.log', 'etcd-2.log', 'etcd-3.log']);

    const again = await stopClusterFromState(dir, { removeData: true, logger });
    expect(again.members.map((m) => m.outcome)).toEqual(['not-running', 'not-running', 'not-running']);
  });

  it('stopClusterFromState never signals a recorded pid that is no longer our etcd', async () => {
    const dir = await tempDir('reused');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(async () => void other.kill('SIGKILL'));
    const pid = other.pid as number;
    const state = {
      format: 1, provider: 'local', status: 'running', createdAt: '', updatedAt: '', etcdBin: etcd.path, clusterToken: 't',
      members: [{ name: 'etcd-1', pid, clientUrl: 'http://127.0.0.1:1', peerUrl: 'http://127.0.0.1:2', dataDir: path.join(dir, 'etcd-1', 'data'), logFile: path.join(dir, 'etcd-1.log') }],
    };
    await writeFile(path.join(dir, 'cluster.json'), JSON.stringify(state));
    const res = await stopClusterFromState(dir, { removeData: false, logger: captureLogger().logger });
    expect(res.members[0]?.outcome).toBe('pid-reused');
    expect(await isAlive(pid)).toBe(true);
  });

  it('a missing or invalid cluster.json is E_RUN_DIR_INVALID naming the file', async () => {
    const dir = await tempDir('nostate');
    const file = path.join(dir, 'cluster.json');
    for (const content of [undefined, '{not json', '{"provider":"docker","members":[]}', '{"provider":"local","members":[{"name":"x"}]}']) {
      if (content !== undefined) await writeFile(file, content);
      const err = await failure(stopClusterFromState(dir, { removeData: true, logger: captureLogger().logger }));
      expect(err).toBeInstanceOf(InputError);
      expect(err.code).toBe('E_RUN_DIR_INVALID');
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain(file);
      expect(err.problems[0]?.file).toBe(file);
      expect(err.problems[0]?.fix).toContain('--run-dir');
    }
    expect(await readFile(file, 'utf8')).toContain('"name":"x"'); // a bad file is left as it was
  });

  it.each([0, 8, 2.5])('members: %s is E_OPTION_INVALID naming --members', async (members) => {
    const dir = await tempDir('members');
    const err = await failure(startLocalCluster({ members, dir, logger: captureLogger().logger }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('E_OPTION_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--members');
    expect(err.problems[0]?.field).toBe('--members');
    expect(await readdir(dir)).toEqual([]);
  });
});

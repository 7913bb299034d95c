/**
 * The docker provider against a real dockerd (scripts/testbed/dockerd.sh) and an image built here from
 * /usr/bin/etcd (no registry): up 3, status, test, logs, shell, a workload run, restart to 5 and back with
 * data kept, a wipe, port collisions, two clusters side by side (one with TLS), down/up, clean.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdClient } from '@etcdlab/agent/etcd';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli } from './helpers/cli.js';
import { labelledObjects, removeLabelled, useDockerTestbed, type DockerTestbed } from './helpers/docker-testbed.js';
import { freeBasePort } from './helpers/local-etcd.js';

interface Report {
  name: string;
  endpoint: string;
  healthy: boolean;
  state: string;
  status?: { leader: string; memberId: string };
}

const bin = fileURLToPath(new URL('../bin/etcdlab.js', import.meta.url));
const run = Math.floor(Math.random() * 1e4).toString(36);
const A = `dka-${run}`;
const B = `dkb-${run}`;
const IMAGE = 'etcdlab/etcd:it';
const dir = mkdtempSync(join(tmpdir(), 'etcdlab-docker-'));
let tb: DockerTestbed;

function inventory(name: string, cluster: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `provider: docker\ncluster: { name: ${cluster}, etcd: { kind: image, image: "${IMAGE}" } }\ndocker: { socket: ${tb.socket}${extra} }\n`);
  return file;
}
function inventoryText(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text.replace('SOCKET', tb.socket));
  return file;
}

async function status(inv: string): Promise<{ code: number | null; reports: Report[] }> {
  const r = await runCli(['cluster', 'status', '--json', '-i', inv]);
  return { code: r.code, reports: JSON.parse(r.stdout) as Report[] };
}

async function withClient<T>(endpoint: string, fn: (c: EtcdClient) => Promise<T>): Promise<T> {
  const c = new EtcdClient({ endpoints: [endpoint], connections: 1 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** The CLI with `input` on stdin (for `cluster shell`). */
function cliWithInput(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('docker provider against a real dockerd', () => {
  let invA: string;

  beforeAll(async () => {
    tb = await useDockerTestbed();
    invA = inventory('a', A, ', cpus: 0.5, memory: 256m');
    const built = await runCli(['image', 'build', '--etcd', '/usr/bin/etcd', '-i', invA]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout.trim()).toBe(IMAGE);
  }, 300_000);

  afterAll(async () => {
    if (tb) {
      await removeLabelled(tb.docker, A);
      for (const c of [B, `${B}x`, `${B}y`]) await removeLabelled(tb.docker, c);
      await tb.release();
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('up 3: healthy members with one leader, limits applied; test, logs and shell work', async () => {
    const up = await runCli(['cluster', 'up', '3', '-i', invA]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/cluster up: http:\/\/127\.0\.0\.1:\d+,http:\/\/127\.0\.0\.1:\d+,http:\/\/127\.0\.0\.1:\d+ \(etcd 3\./);

    const s = await status(invA);
    expect(s.code).toBe(0);
    expect(s.reports.map((r) => [r.name, r.healthy, r.state.split(' ')[0]])).toEqual([['etcd-1', true, 'running'], ['etcd-2', true, 'running'], ['etcd-3', true, 'running']]);
    expect(s.reports.filter((r) => r.status?.leader === r.status?.memberId)).toHaveLength(1);
    for (const r of s.reports) expect(r.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const inspect = await tb.docker.getContainer(`${A}-etcd-2`).inspect();
    expect(inspect.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 256 * 1024 * 1024 });
    for (const bindings of Object.values(inspect.HostConfig.PortBindings as Record<string, { HostIp: string }[]>)) expect(bindings[0]?.HostIp).toBe('127.0.0.1');

    const t = await runCli(['cluster', 'test', '-i', invA]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.stdout.match(/^ok {3}/gm)).toHaveLength(3);

    const one = await runCli(['cluster', 'logs', 'etcd-2', '-n', '4', '-i', invA]);
    expect(one.code).toBe(0);
    const lines = one.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('level');
    const all = await runCli(['cluster', 'logs', '-n', '2', '-i', invA]);
    expect(all.stdout.trim().split('\n').map((l) => l.split(' | ')[0])).toEqual(['etcd-1', 'etcd-1', 'etcd-2', 'etcd-2', 'etcd-3', 'etcd-3']);
    const missing = await runCli(['cluster', 'logs', 'etcd-9', '-i', invA]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('members: etcd-1, etcd-2, etcd-3');

    const sh = await cliWithInput(['cluster', 'shell', 'etcd-3', '-i', invA], 'etcdctl put from-shell yes >/dev/null\netcdctl get from-shell --print-value-only\nexit 7\n');
    expect(sh.stdout.trim()).toBe('yes');
    expect(sh.code, sh.stderr).toBe(7);

    // The compose file says the same as the running containers (bar the bootstrap token).
    const composeFile = join(dir, 'compose.yml');
    expect((await runCli(['cluster', 'generate', '-o', composeFile, '-i', invA])).code).toBe(0);
    const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, { command: string[] }> };
    const noToken = (args: string[]) => args.filter((a) => !a.startsWith('--initial-cluster-token='));
    for (const n of [1, 2, 3]) {
      const live = await tb.docker.getContainer(`${A}-etcd-${n}`).inspect();
      expect(noToken(compose.services[`etcd-${n}`]!.command)).toEqual(noToken(live.Args));
    }
  });

  it('a quick workload run with the same run engine (run -i on the docker inventory)', async () => {
    const endpoints = (await status(invA)).reports.map((r) => r.endpoint);
    const results = join(dir, 'results');
    const r = await runCli(['run', '-i', invA, '-w', 'workloads/smoke.yaml', '--agents', '2', '--json', '--results', results]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.cluster).toMatchObject({ provider: 'docker', members: 3, endpoints });
    expect(s.phases[0]!.ops.put).toMatchObject({ count: 400, errors: 0 });
    expect(s.phases[1]!.ops.get).toMatchObject({ count: 400, errors: 0 });
    expect(s.integrity.ok).toBe(true);
  });

  it('agentsInContainers: the agents run as containers on the cluster network and are removed after the run', async () => {
    const invC = inventory('a-ctr', A, ', cpus: 0.5, memory: 256m, agentsInContainers: true');
    const results = join(dir, 'results-ctr');
    const r = await runCli(['run', '-i', invC, '-w', 'workloads/smoke.yaml', '--agents', '2', '--json', '--results', results]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.phases[0]!.ops.put).toMatchObject({ count: 400, errors: 0 });
    expect(s.phases[1]!.ops.get).toMatchObject({ count: 400, errors: 0 });
    expect(s.integrity.ok).toBe(true);
    const manifest = JSON.parse(readFileSync(join(s.runDir, 'manifest.json'), 'utf8')) as { fleet: { kind: string; agentEndpoints?: string[] }; agents: { agentId: string; host: string }[] };
    expect(manifest.fleet.kind).toBe('containers');
    expect(manifest.fleet.agentEndpoints).toEqual([1, 2, 3].map((n) => `http://${A}-etcd-${n}:2379`));
    expect(manifest.agents.map((a) => [a.agentId, a.host])).toEqual([['agent-1', `${A}-agent-1`], ['agent-2', `${A}-agent-2`]]);
    // Each agent's log was copied out of its container before it was removed.
    expect(readFileSync(join(s.runDir, 'agents', 'agent-1.log'), 'utf8')).toContain('"agent":"agent-1"');
    const left = await tb.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`etcdlab.cluster=${A}`, 'etcdlab.role=agent'] }) });
    expect(left).toEqual([]);
  });

  it('restart 5 keeps the data, restart 3 shrinks keeping it, restart 1 --wipe starts empty', async () => {
    const key = Buffer.from(`keep/${run}`);
    const first = (await status(invA)).reports[0]!.endpoint;
    await withClient(first, (c) => c.put(key, Buffer.from('kept'), 5000));

    const grow = await runCli(['cluster', 'restart', '5', '-i', invA]);
    expect(grow.code, grow.stderr).toBe(0);
    expect(grow.stderr).toContain('added etcd-5');
    let s = await status(invA);
    expect(s.code).toBe(0);
    expect(s.reports.map((r) => r.healthy)).toEqual([true, true, true, true, true]);
    expect((await withClient(s.reports[4]!.endpoint, (c) => c.get(key, { serializable: false }, 5000)))?.toString()).toBe('kept');

    const shrink = await runCli(['cluster', 'restart', '3', '-i', invA]);
    expect(shrink.code, shrink.stderr).toBe(0);
    s = await status(invA);
    expect(s.reports.map((r) => [r.name, r.healthy])).toEqual([['etcd-1', true], ['etcd-2', true], ['etcd-3', true]]);
    expect((await withClient(s.reports[2]!.endpoint, (c) => c.get(key, { serializable: false }, 5000)))?.toString()).toBe('kept');
    expect((await labelledObjects(tb.docker, A)).volumes).toHaveLength(3);

    // A run's agent container (created, not started: it stands for one) must survive a wipe; clean takes it.
    const agentFilter = JSON.stringify({ label: [`etcdlab.cluster=${A}`, 'etcdlab.role=agent'] });
    await tb.docker.createContainer({ Image: IMAGE, name: `${A}-agent-9`, Labels: { 'etcdlab.cluster': A, 'etcdlab.role': 'agent' } });
    const wipe = await runCli(['cluster', 'restart', '1', '--wipe', '-i', invA]);
    expect(wipe.code, wipe.stderr).toBe(0);
    s = await status(invA);
    expect(s.reports.map((r) => r.healthy)).toEqual([true]);
    expect(await withClient(s.reports[0]!.endpoint, (c) => c.get(key, { serializable: false }, 5000))).toBeUndefined();
    expect((await tb.docker.listContainers({ all: true, filters: agentFilter })).map((c) => c.Names[0])).toEqual([`/${A}-agent-9`]);
  });

  it('port collisions: fixed ports taken give E_PORT_IN_USE and create nothing; automatic ports move', async () => {
    const base = await freeBasePort(2);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(base + 1, '127.0.0.1', resolve));
    try {
      const fixed = inventoryText('fixed', `provider: docker\ncluster: { name: ${B}, basePort: ${base}, etcd: { kind: image, image: "${IMAGE}" } }\ndocker: { socket: SOCKET }\n`);
      const r = await runCli(['cluster', 'up', '1', '-i', fixed]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_PORT_IN_USE');
      expect(r.stderr).toContain(`port ${base + 1} (peer port of etcd-1) is in use by another program on 127.0.0.1`);
      expect(r.stderr).toContain('remove cluster.basePort');
      expect(await labelledObjects(tb.docker, B)).toEqual({ containers: [], volumes: [], networks: [] });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }

    // Automatic ports: whatever B would take is occupied first, so it must move (and say so).
    const invB = inventoryText('b', `provider: docker\ncluster: { name: ${B}, tls: true, etcd: { kind: image, image: "${IMAGE}" } }\ndocker: { socket: SOCKET }\n`);
    const plan = await runCli(['cluster', 'up', '1', '--dry-run', '-i', invB]);
    const wanted = Number(/client ports (\d+)/.exec(plan.stderr)?.[1]);
    expect(wanted).toBeGreaterThan(0);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(wanted, '127.0.0.1', resolve));
    try {
      const up = await runCli(['cluster', 'up', '1', '-i', invB]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/etcd-1: wanted ports \d+\/\d+ are taken \(.*\); using \d+\/\d+/);
      const got = Number(/cluster up: https:\/\/127\.0\.0\.1:(\d+)/.exec(up.stderr)?.[1]);
      expect(got).toBeGreaterThan(0);
      expect(got).not.toBe(wanted);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('two clusters side by side, one with TLS: both healthy, test works through TLS', async () => {
    const invB = join(dir, 'b.yaml');
    const a = await status(invA);
    const b = await status(invB);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.reports[0]!.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(a.reports.map((r) => r.endpoint)).not.toContain(b.reports[0]!.endpoint.replace('https', 'http'));
    const t = await runCli(['cluster', 'test', '-i', invB]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    // Without the cluster's client certificate the member refuses.
    await expect(withClient(b.reports[0]!.endpoint, (c) => c.put(Buffer.from('x'), Buffer.from('y'), 3000))).rejects.toThrow();

    // Agents in containers reach the TLS members by container name, with the cluster's client certificate.
    const invCtr = inventoryText('b-ctr', `provider: docker\ncluster: { name: ${B}, tls: true, etcd: { kind: image, image: "${IMAGE}" } }\ndocker: { socket: SOCKET, agentsInContainers: true }\n`);
    const r = await runCli(['run', '-i', invCtr, '-w', 'workloads/smoke.yaml', '--agents', '1', '--json', '--results', join(dir, 'results-tls-ctr')]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.phases[0]!.ops.put).toMatchObject({ count: 400, errors: 0 });
    expect(s.integrity.ok).toBe(true);
    const manifest = JSON.parse(readFileSync(join(s.runDir, 'manifest.json'), 'utf8')) as { fleet: { kind: string; agentEndpoints?: string[] } };
    expect([manifest.fleet.kind, manifest.fleet.agentEndpoints]).toEqual(['containers', [`https://${B}-etcd-1:2379`]]);
  });

  it('down keeps data, up starts the members again', async () => {
    const endpoint = (await status(invA)).reports[0]!.endpoint;
    await withClient(endpoint, (c) => c.put(Buffer.from('after-down'), Buffer.from('still'), 5000));
    expect((await runCli(['cluster', 'down', '-i', invA])).code).toBe(0);
    const stopped = await status(invA);
    expect(stopped.code).toBe(1);
    expect(stopped.reports[0]!.state).toMatch(/^stopped/);
    const up = await runCli(['cluster', 'up', '-i', invA]);
    expect(up.code, up.stderr).toBe(0);
    expect((await withClient(endpoint, (c) => c.get(Buffer.from('after-down'), { serializable: false }, 5000)))?.toString()).toBe('still');
  });

  it('a missing image: never pulled when built locally, a clear error when the pull fails; nothing created', async () => {
    const local = inventoryText('img1', `provider: docker\ncluster: { name: ${B}x, etcd: { kind: image, image: "etcdlab/etcd:nope-${run}" } }\ndocker: { socket: SOCKET }\n`);
    const r1 = await runCli(['cluster', 'up', '1', '-i', local]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('E_IMAGE_UNAVAILABLE');
    expect(r1.stderr).toContain('etcdlab image build');
    // A registry on a closed loopback port: the pull fails at once, without traffic beyond this machine.
    const remote = inventoryText('img2', `provider: docker\ncluster: { name: ${B}x, etcd: { kind: image, image: "127.0.0.1:1/etcd:v0" } }\ndocker: { socket: SOCKET }\n`);
    const r2 = await runCli(['cluster', 'up', '1', '-i', remote]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('E_IMAGE_UNAVAILABLE: cannot pull image 127.0.0.1:1/etcd:v0');
    expect(await labelledObjects(tb.docker, `${B}x`)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('bad input and an unreachable engine are coded errors', async () => {
    const wrongKind = inventoryText('kind', `provider: docker\ncluster: { name: ${B}z, etcd: { kind: local, path: /usr/bin/etcd }, extraFlags: { data-dir: /x } }\ndocker: { socket: SOCKET }\n`);
    const r1 = await runCli(['cluster', 'up', '-i', wrongKind]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('cluster.etcd.kind');
    expect(r1.stderr).toContain('cluster.extraFlags.data-dir');
    const noEngine = inventoryText('noengine', `provider: docker\ncluster: { name: ${B}z }\ndocker: { socket: ${join(dir, 'none.sock')} }\n`);
    const r2 = await runCli(['cluster', 'status', '-i', noEngine]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('E_DOCKER_UNAVAILABLE');
    expect(r2.stderr).toContain('scripts/testbed/dockerd.sh start');
    // A dry run still prints a plan, saying what it could not check.
    const r3 = await runCli(['cluster', 'up', '3', '--dry-run', '-i', noEngine]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stderr).toContain('Docker Engine not reachable');
    expect(r3.stderr).toMatch(/client ports 2379, 2381, 2383 \(not checked\)/);
    expect(r3.stderr.match(/would create /g)).toHaveLength(3);
  });

  it('a member that cannot start: its log tail is shown and everything created is removed', async () => {
    const bad = inventoryText('bad', `provider: docker\ncluster: { name: ${B}y, members: 3, etcd: { kind: image, image: "${IMAGE}" }, extraFlags: { no-such-flag: "1" } }\ndocker: { socket: SOCKET }\n`);
    const r = await runCli(['cluster', 'up', '-i', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_MEMBER_START_FAILED');
    expect(r.stderr).toContain('flag provided but not defined: -no-such-flag');
    expect(await labelledObjects(tb.docker, `${B}y`)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('clean removes exactly its own cluster: containers, volumes and network', async () => {
    const invB = join(dir, 'b.yaml');
    expect((await runCli(['cluster', 'clean', '-i', invB])).code).toBe(0);
    expect(await labelledObjects(tb.docker, B)).toEqual({ containers: [], volumes: [], networks: [] });
    expect((await status(invA)).code).toBe(0);
    const again = await runCli(['cluster', 'clean', '-i', invB]);
    expect(again.code).toBe(0);
    const gone = await runCli(['cluster', 'status', '-i', invB]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('E_CLUSTER_NOT_FOUND');

    expect((await runCli(['cluster', 'clean', '-i', invA])).code).toBe(0);
    // Also the agent container the restart test left (an interrupted run's, for clean).
    expect(await labelledObjects(tb.docker, A)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

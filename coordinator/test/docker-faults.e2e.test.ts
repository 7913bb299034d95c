/**
 * Faults on the docker provider, on a real Docker Engine (the project's private dockerd): a follower
 * paused through the engine and resumed, a follower disconnected from the cluster network and
 * reconnected at its address; the run measures them and leaves every container running and connected.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultWindowSummary, RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { removeLabelled, useDockerTestbed, type DockerTestbed } from './helpers/docker-testbed.js';

const CLUSTER = `dkf-${Math.floor(Math.random() * 1e4).toString(36)}`;
const IMAGE = 'etcdlab/etcd:it';
const dir = mkdtempSync(join(tmpdir(), 'etcdlab-docker-faults-'));
let tb: DockerTestbed;
let inv: string;

describe('faults on a docker cluster', () => {
  beforeAll(async () => {
    tb = await useDockerTestbed();
    inv = join(dir, 'inv.yaml');
    writeFileSync(inv, `provider: docker\ncluster: { name: ${CLUSTER}, etcd: { kind: image, image: "${IMAGE}" } }\ndocker: { socket: ${tb.socket} }\n`);
    const built = await runCli(['image', 'build', '--etcd', '/usr/bin/etcd', '-i', inv]);
    expect(built.code, built.stderr).toBe(0);
    const up = await runCli(['cluster', 'up', '3', '-i', inv]);
    expect(up.code, up.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (tb) {
      await removeLabelled(tb.docker, CLUSTER);
      await tb.release();
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('pause and network disconnect of a follower: measured, undone, the cluster whole again', async () => {
    const wl = join(dir, 'faults.yaml');
    writeFileSync(
      wl,
      `name: docker-faults
phases:
  - name: mixed
    ops: { put: 1, get: 1 }
    clients: 8
    duration: 14s
    deadline: 2s
    faults:
      - { action: pause, target: follower, at: 2s, for: 3s }
      - { action: partition, target: follower, from: both, at: 8s, for: 3s }
`,
    );
    const results = join(dir, 'results');
    const r = await runCli(['run', '-i', inv, '-w', wl, '--agents', '1', '--results', results, '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    const [pause, cut] = s.phases[0]?.faults?.windows as FaultWindowSummary[];
    expect(pause).toMatchObject({ action: 'pause', target: 'follower' });
    expect(cut).toMatchObject({ action: 'partition', target: 'follower' });
    for (const w of [pause, cut] as FaultWindowSummary[]) {
      expect(w.error, w.statement).toBeUndefined();
      expect(w.members).toHaveLength(1);
      expect(w.members[0]).not.toBe(w.leaderBefore);
      expect(w.toMs - w.fromMs).toBeGreaterThanOrEqual(2500);
      expect(w.termBefore, w.statement).toBeGreaterThan(0);
    }
    // A paused follower neither answers nor campaigns: the leader keeps its quorum and its term.
    expect(pause?.writeGapMs, pause?.statement).toBeLessThan(1000);
    expect(pause?.termAfter, pause?.statement).toBe(pause?.termBefore);
    // Cut off, the follower's clients fail at once (its published ports lead nowhere); the others go on.
    // Reconnecting it stalls every client for a moment while the engine re-plumbs the network (seen only
    // on docker: the same partition through the local proxies stalls nothing): bounded by a deadline
    // and an election's worth of slack.
    expect(cut?.errors.UNAVAILABLE ?? 0, cut?.statement).toBeGreaterThan(0);
    expect(cut?.writeGapMs, cut?.statement).toBeLessThan(3 * 1000 + 2000 + 1000);
    expect(s.phases[0]?.faults?.durability?.lost).toBe(0);
    expect(r.stderr).toContain(`fault undone: resumed ${pause?.members[0]}`);
    expect(r.stderr).toContain(`fault undone: links restored for ${cut?.members[0]}`);
    // Checked on the engine: every member runs, none paused, each on the cluster network again.
    const containers = await tb.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`etcdlab.cluster=${CLUSTER}`] }) });
    const members = containers.filter((c) => /etcd-\d$/.test(c.Names[0] ?? ''));
    expect(members).toHaveLength(3);
    for (const c of members) {
      const st = await tb.docker.getContainer(c.Id).inspect();
      expect(st.State.Running && !st.State.Paused, c.Names[0]).toBe(true);
      expect(Object.keys(st.NetworkSettings.Networks), c.Names[0]).toContain(`${CLUSTER}-net`);
    }
    const status = await runCli(['cluster', 'status', '-i', inv], { timeoutMs: 60_000 });
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(s.runDir, 'manifest.json'), 'utf8')) as { phases: { faults?: unknown[] }[] };
    expect(manifest.phases[0]?.faults).toHaveLength(2);
  }, 180_000);

  it('a drill (`etcdlab fault`): the leader killed through the engine and started again, a partition from peers refused with the fix', async () => {
    const r = await runCli(['fault', 'kill', 'leader', '--for', '2s', '-i', inv, '--json'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(r.stdout) as { members: string[]; leaderBefore?: string; leaderAfter?: string; statement: string };
    expect(rec.members).toEqual([rec.leaderBefore]);
    expect(rec.leaderAfter, rec.statement).not.toBe(rec.leaderBefore);
    const containers = await tb.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`etcdlab.cluster=${CLUSTER}`] }) });
    for (const c of containers.filter((x) => /etcd-\d$/.test(x.Names[0] ?? ''))) expect((await tb.docker.getContainer(c.Id).inspect()).State.Running, c.Names[0]).toBe(true);
    const bad = await runCli(['fault', 'partition', 'follower', '--from', 'peers', '--for', '1s', '-i', inv], { timeoutMs: 30_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from: the docker provider cuts a member off from its network entirely');
  }, 120_000);

  it('refuses what docker cannot do, before anything starts: a delay, a partition from peers only', async () => {
    const wl = join(dir, 'bad.yaml');
    writeFileSync(wl, 'name: bad\nphases:\n  - name: p\n    ops: { put: 1 }\n    duration: 10s\n    faults:\n      - { action: delay, target: follower, ms: 50ms, at: 1s, for: 2s }\n      - { action: partition, target: leader, from: peers, at: 4s, for: 2s }\n');
    const r = await runCli(['run', '-i', inv, '-w', wl, '--agents', '1', '--results', join(dir, 'results-bad')], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('phases[0].faults[0].action: the docker provider cannot delay a member (it can: kill, stop, pause, partition)');
    expect(r.stderr).toContain('phases[0].faults[1].from: the docker provider cuts a member off from its network entirely; it cannot cut it from peers only');
  });
});

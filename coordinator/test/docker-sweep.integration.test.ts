/**
 * `sweep --members` on the docker provider, through the one run path: the cluster is recreated with each
 * size (empty data), each point is a run recorded as docker, and the comparison holds both points.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { labelledObjects, removeLabelled, useDockerTestbed, type DockerTestbed } from './helpers/docker-testbed.js';

const CLUSTER = `dks-${Math.floor(Math.random() * 1e4).toString(36)}`;
const IMAGE = 'etcdlab/etcd:it';
const dir = mkdtempSync(join(tmpdir(), 'etcdlab-docker-sweep-'));
let tb: DockerTestbed;
let inv: string;

describe('sweep on a docker cluster', () => {
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

  it('recreates the cluster at each size and compares the points', async () => {
    const wl = join(dir, 'wl.yaml');
    writeFileSync(wl, 'name: sweep-docker\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 4, total: 200, value: { size: 64 } }\n');
    const results = join(dir, 'results');
    const r = await runCli(['sweep', '-i', inv, '-w', wl, '--members', '1,3', '--agents', '1', '--results', results, '--json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('recreating docker cluster');
    const cmp = JSON.parse(r.stdout) as { axis: string; rows: { members: number; dir: string }[] };
    expect(cmp.axis).toBe('members');
    expect(cmp.rows.map((x) => x.members)).toEqual([1, 3]);
    // Each point ran on the docker cluster as it was then, and measured exactly what was asked.
    const dirs = cmp.rows.map((x) => x.dir);
    for (const [i, d] of dirs.entries()) {
      const manifest = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { cluster: { provider: string; members: number }; phases: { outcome: string }[] };
      expect(manifest.cluster).toMatchObject({ provider: 'docker', members: [1, 3][i] });
      expect(manifest.phases.map((p) => p.outcome)).toEqual(['completed']);
      const summary = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as { phases: { ops: { put?: { count: number } } }[] };
      expect(summary.phases[0]?.ops.put?.count).toBe(200);
    }
    // The sweep leaves the cluster at its last size.
    const left = await labelledObjects(tb.docker, CLUSTER);
    expect(left.containers.filter((c) => /etcd-\d$/.test(c))).toHaveLength(3);
  });

  it('refuses sizes the provider cannot give, before anything starts', async () => {
    const r = await runCli(['sweep', '-i', inv, '-w', 'workloads/smoke.yaml', '--members', '1,9', '--results', join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_OPTION_INVALID');
  });
});

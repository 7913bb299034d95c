import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { createTestPki, type TestPki } from '../../agent/test/helpers/tls-certs.js';
import { runCli } from './helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('etcdlab run --endpoints against an existing TLS cluster with client certificates', () => {
  let pki: TestPki;
  let member: EtcdMember;
  const results = mkdtempSync(join(tmpdir(), 'etcdlab-run-'));
  beforeAll(async () => {
    pki = await createTestPki();
    member = await EtcdMember.start({ tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, trustedCaFile: pki.caFile, clientCertAuth: true } });
  });
  afterAll(async () => {
    await member?.destroy();
    await pki?.remove();
    rmSync(results, { recursive: true, force: true });
  });

  it('runs the workload with 3 agents and the same results as a local run', async () => {
    const r = await runCli(['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', 'workloads/smoke.yaml', '--agents', '3', '--json', '--results', results, '--cacert', pki.caFile, '--cert', pki.clientCertFile, '--key', pki.clientKeyFile]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.cluster).toMatchObject({ provider: 'external', members: 1, endpoints: [`https://127.0.0.1:${member.clientPort}`] });
    expect(s.cluster.etcdVersion).toMatch(/^3\./);
    expect(s.phases.map((p) => p.name)).toEqual(['writes', 'reads', 'open-loop-mixed']);
    expect(s.phases[0]!.ops.put).toMatchObject({ count: 400, errors: 0 });
    expect(s.phases[1]!.ops.get).toMatchObject({ count: 400, errors: 0 });
    expect(s.phases[0]!.agents.map((a) => a.clients)).toEqual([2, 1, 1]);
    // Open loop at 200 ops/s for 3 s: close to 600 operations, whatever the latency.
    const open = s.phases[2]!;
    const done = open.all.count + open.all.errors;
    expect(done).toBeGreaterThan(540);
    expect(done).toBeLessThanOrEqual(601);
    expect(s.integrity.ok).toBe(true);
    // The user's cluster is left as it was found: the run's keys were deleted at its end (over TLS).
    expect(r.stderr).toMatch(/keys: [\d,]+ deleted under etcdlab\/[\w-]+\/ in/);
    const manifest = JSON.parse(readFileSync(join(s.runDir, 'manifest.json'), 'utf8')) as { keys?: { deleted: number; prefix: string; error?: string } };
    expect(manifest.keys?.deleted).toBeGreaterThanOrEqual(400);
    expect(manifest.keys?.error).toBeUndefined();
    const left = await runCli(['keys', 'clean', s.runId, '--endpoints', `127.0.0.1:${member.clientPort}`, '--cacert', pki.caFile, '--cert', pki.clientCertFile, '--key', pki.clientKeyFile]);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stderr).toContain(`keys: 0 deleted under etcdlab/${s.runId}/`);
  });

  it('without the client certificate the endpoint check fails before anything starts', async () => {
    const r = await runCli(['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', 'workloads/smoke.yaml', '--results', results, '--cacert', pki.caFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_ENDPOINT_UNREACHABLE');
  });

  it('a certificate without its key is refused as bad input', async () => {
    const r = await runCli(['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', 'workloads/smoke.yaml', '--cert', pki.clientCertFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--key');
  });
});

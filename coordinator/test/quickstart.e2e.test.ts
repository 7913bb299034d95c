import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsMatching, repoRoot, runCli } from './helpers/cli.js';

/** The README's first command itself: set-up (a no-op here, but it runs) and then the quickstart. */
function quickstartScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('bash', ['scripts/quickstart.sh', ...args], { cwd: repoRoot, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

function etcdctl(endpoints: string[], args: string[]): string {
  try {
    return execFileSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('etcdctl not found: install Debian\'s etcd-client (apt-get install etcd-client) or run scripts/test.sh, which does');
    throw err;
  }
}

const countKeys = (endpoints: string[], prefix: string): number => Number(JSON.parse(etcdctl(endpoints, ['get', '--prefix', prefix, '--keys-only', '-w', 'json'])).count ?? 0);

describe('etcdlab quickstart --quick (end to end, real etcd)', () => {
  const results = mkdtempSync(join(tmpdir(), 'etcdlab-qs-'));
  let summary: RunSummary | undefined;
  afterAll(async () => {
    if (summary) await runCli(['cluster', 'clean', '--run-dir', summary.runDir]);
    rmSync(results, { recursive: true, force: true });
  });

  it('runs 3 members, 2 agents and the suite, writes the results folder, and keeps the cluster with --keep', async () => {
    const r = await quickstartScript(['--quick', '--keep', '--json', '--results', results]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('[setup] building');
    summary = JSON.parse(r.stdout) as RunSummary; // stdout holds the JSON alone, set-up output included

    expect(summary.phases.map((p) => p.name)).toEqual(['sequential-writes', 'sequential-reads', 'concurrent-writes', 'mixed']);
    expect(summary.cluster.members).toBe(3);
    expect(summary.agents).toBe(2);
    expect(summary.integrity).toEqual({ ok: true, mismatches: [] });
    const [seqW, seqR, conc, mixed] = summary.phases;
    expect(seqW!.ops.put!.count + seqW!.ops.put!.errors).toBe(200);
    expect(seqR!.ops.get!.count + seqR!.ops.get!.errors).toBe(200);
    expect(conc!.ops.put!.count + conc!.ops.put!.errors).toBe(500);
    // concurrent-writes' 10 clients are split over both agents; the sequential phases' one client is not.
    expect(conc!.agents.map((a) => a.clients)).toEqual([5, 5]);
    expect(conc!.agents.every((a) => a.count > 0)).toBe(true);
    expect(seqW!.agents.map((a) => a.clients)).toEqual([1, 0]);
    // mixed: about 70% gets, over roughly its 10 s.
    const gets = mixed!.ops.get!.count;
    const puts = mixed!.ops.put!.count;
    expect(gets / (gets + puts)).toBeGreaterThan(0.6);
    expect(gets / (gets + puts)).toBeLessThan(0.8);
    expect(mixed!.durationMs).toBeGreaterThan(9_500);
    expect(mixed!.durationMs).toBeLessThan(13_000);
    for (const p of summary.phases) {
      for (const s of Object.values(p.ops)) {
        expect(s!.throughputOpsPerSec).toBeGreaterThan(0);
        const l = s!.latencyUs;
        expect(l.p50).toBeGreaterThan(0);
        expect(l.p50).toBeLessThanOrEqual(l.p90);
        expect(l.p90).toBeLessThanOrEqual(l.p99);
        expect(l.p99).toBeLessThanOrEqual(l.p999);
        expect(l.p999).toBeLessThanOrEqual(l.max);
      }
      // Intervals add up to the phase.
      expect(p.intervals.reduce((a, i) => a + i.count, 0)).toBe(p.all.count);
    }

    // The keys the phases report as written are really there, counted by etcd's own etcdctl.
    const ns = `etcdlab/${summary.runId}`;
    expect(countKeys(summary.cluster.endpoints, `${ns}/suite/`)).toBe(seqW!.ops.put!.count);
    expect(countKeys(summary.cluster.endpoints, `${ns}/concurrent/`)).toBe(conc!.ops.put!.count);
    expect(etcdctl(summary.cluster.endpoints, ['member', 'list']).trim().split('\n')).toHaveLength(3);

    // The results folder.
    const dir = summary.runDir;
    for (const f of ['manifest.json', 'summary.json', 'etcdlab.log', 'agents/agent-1.hlog', 'agents/agent-2.hlog', 'agents/agent-1.intervals.jsonl', 'cluster/cluster.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.agents).toHaveLength(2);
    for (const a of manifest.agents) {
      expect(typeof a.clock.offsetMs).toBe('number');
      expect(a.clock.rttMs).toBeGreaterThanOrEqual(0);
      expect(Object.keys(a.startSkewMsByPhase)).toEqual(summary.phases.map((p) => p.name));
    }
    expect(manifest.cluster.etcdVersion).toMatch(/^3\./);
    expect(manifest.workload.phases).toHaveLength(4);
    const hlog = readFileSync(join(dir, 'agents/agent-1.hlog'), 'utf8');
    expect(hlog).toMatch(/^Tag=sequential-writes\/put,\d+\.\d{3},1\.000,/m);
    // The JSON log never holds the run token.
    const log = readFileSync(join(dir, 'etcdlab.log'), 'utf8');
    expect(log).toContain('"msg":"agent connected"');
    expect(log).not.toMatch(/"token":"[A-Za-z0-9_-]{20,}"/);
    expect(r.stderr).toContain('cluster kept running');

    // One agent sampled this host during the run: CPU, load and the busiest processes, ours marked.
    const hostFiles = readdirSync(join(dir, 'hosts'));
    expect(hostFiles).toHaveLength(1);
    const samples = readFileSync(join(dir, 'hosts', hostFiles[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.some((x) => x.cpuPct > 0)).toBe(true);
    expect(samples.every((x) => x.t >= Date.parse(summary!.startedAt) && x.cpus >= 1)).toBe(true);
    expect(samples.some((x) => x.top.some((p: { name: string; foreign: boolean }) => p.name === 'etcd' && !p.foreign))).toBe(true);

    // The kept cluster's members are still running; `cluster down` stops them.
    const state = JSON.parse(readFileSync(join(dir, 'cluster/cluster.json'), 'utf8')) as { members: { pid: number }[] };
    const pids = state.members.map((m) => m.pid);
    const alive = await pidsMatching(join(dir, 'cluster'));
    expect(pids.every((p) => alive.includes(p))).toBe(true);
    // --dry-run prints the plan and stops nothing.
    const plan = await runCli(['cluster', 'down', '--run-dir', dir, '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('nothing will be changed (--dry-run)');
    expect(pids.every((p) => alive.includes(p))).toBe(true);
    expect((await pidsMatching(join(dir, 'cluster'))).sort()).toEqual([...alive].sort());
    const down = await runCli(['cluster', 'down', '--run-dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(await pidsMatching(join(dir, 'cluster'))).toEqual([]);
    expect(readdirSync(join(dir, 'agents')).filter((f) => f.endsWith('.hlog'))).toHaveLength(2);
  });
});

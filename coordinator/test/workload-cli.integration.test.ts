import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@etcdlab/common';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { runCli } from './helpers/cli.js';

describe('etcdlab workload validate / explain (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdlab-wl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('explain prints the simulator pattern\'s key and prefix counts and the expected rates', async () => {
    const r = await runCli(['workload', 'explain', 'workloads/armada-simulator.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('keys: 120,000 per driver');
    expect(r.stdout).toMatch(/^\s+5\s+2,400\s+%level5-%040d\[100\]/m);
    expect(r.stdout).toMatch(/^\s+6\s+24,000\s+%level6-%040d\[10\]/m);
    expect(r.stdout).toMatch(/churn-val\s+1\.00\/s/);
    expect(r.stdout).toMatch(/get-level\s+14\.00\/s/);
    const json = await runCli(['workload', 'explain', '--json', 'workloads/armada-simulator.yaml']);
    expect(JSON.parse(json.stdout)[0].pattern.levels[6].prefixes).toBe(24_000);
  });

  it('validate accepts a preset and refuses a bad file with exit 2, the field and the fix', async () => {
    const ok = await runCli(['workload', 'validate', 'workloads/kubernetes.yaml']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: workloads\/kubernetes\.yaml/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nphases:\n  - { name: a, ops: { pot: 1 }, duration: 5s }\n');
    const r = await runCli(['workload', 'validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_WORKLOAD_INVALID');
    expect(r.stderr).toContain('phases[0].ops.pot');
    expect(r.stderr).toContain('did you mean "put"');
    const missing = await runCli(['workload', 'explain', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('E_WORKLOAD_UNREADABLE');
  });

  it('run: a ramped open loop after a warm-up, with watchers, over 2 agents: the warm-up is in the raw log only', async () => {
    const member = await EtcdMember.start();
    try {
      const wl = join(dir, 'ramp.yaml');
      writeFileSync(wl, `name: ramp
phases:
  - name: ramp
    ops: { put: 1 }
    warmup: 1s
    rate: { start: 50, stages: [{ target: 200, duration: 2s }] }
    clients: 8
    watch: { streams: 2, watchersPerStream: 2 }
    keys: { distribution: uniform, space: 100 }
    value: { size: 32 }
`);
      const r = await runCli(['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', wl, '--agents', '2', '--json', '--results', dir], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as RunSummary;
      expect(s.integrity.ok).toBe(true);
      const p = s.phases[0]!;
      // The ramp's schedule: (50 + 200) / 2 ops/s over 2 s = 250 puts, the warm-up's left out; on a loaded
      // machine a few may find all 8 clients busy until the end (dropped starts, counted as such).
      expect(p.ops.put!.count + p.ops.put!.errors + p.droppedStarts).toBe(250);
      expect(p.droppedStarts).toBeLessThan(25);
      expect(p.ops.put!.serviceUs!.max).toBeLessThanOrEqual(p.ops.put!.latencyUs.max);
      expect(p.durationMs).toBeGreaterThan(1900);
      expect(p.durationMs).toBeLessThan(2900);
      // 2 streams of 2 watchers in all (one stream per agent): each watcher sees every put of both agents.
      expect(p.ops['watch-event']!.count).toBe(p.ops.put!.count * 4);
      expect(p.ops['watch-event-untimed']).toBeUndefined();
      const hlog = readFileSync(join(s.runDir, 'agents', 'agent-1.hlog'), 'utf8');
      expect(hlog).toMatch(/^Tag=ramp\/warmup\/put,/m);
      expect(hlog).toMatch(/^Tag=ramp\/put,/m);
    } finally {
      await member.destroy();
    }
  });
});

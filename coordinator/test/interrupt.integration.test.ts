/**
 * Ctrl-C in a terminal signals the whole process group: the coordinator, its local agents and the local
 * etcd members all get SIGINT at once. The run must still end quickly, keep what was measured (summary
 * and report written, status aborted, exit 130) and leave nothing running.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsMatching, repoRoot } from './helpers/cli.js';

const results = mkdtempSync(join(tmpdir(), 'etcdlab-int-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

describe('Ctrl-C reaching the whole process group', () => {
  it('ends within seconds with the measured phases written, exit 130, nothing left running', async () => {
    // Its own process group, as a terminal's foreground job; the full suite (not --quick) so that the
    // signal lands in the middle of a phase.
    const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'quickstart', '--results', results], { cwd: repoRoot, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Bounded: the signal goes once the mixed phase has reported progress, or after 60 s at most.
    const deadline = Date.now() + 60_000;
    while (!/mixed\s+\d+s/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toMatch(/mixed\s+\d+s/);
    const sentAt = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(Date.now() - sentAt).toBeLessThan(12_000);
    expect(code, stderr).toBe(130);

    const [runId] = readdirSync(results);
    const runDir = join(results, runId!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.status).toBe('aborted');
    expect(summary.phases.map((p) => p.name)).toEqual(['sequential-writes', 'sequential-reads', 'concurrent-writes', 'mixed']);
    const mixed = summary.phases[3]!;
    expect(mixed.all.count).toBeGreaterThan(0);
    // An interrupted run never passes: the verdict says so, the phase has no tick, the outcome is named.
    expect(mixed.outcome).toBe('interrupted');
    expect(summary.phases.slice(0, 3).map((p) => p.outcome)).toEqual(['completed', 'completed', 'completed']);
    expect(summary.verdict.status).toBe('INCOMPLETE');
    expect(summary.verdict.reason).toContain('interrupted');
    expect(stderr).not.toMatch(/✓ mixed/);
    expect(stderr).toMatch(/✗ mixed: .*INTERRUPTED/);
    expect(stderr).toContain('verdict INCOMPLETE');
    // Measured for as long as its intervals say, not for a millisecond.
    expect(mixed.durationMs).toBeGreaterThanOrEqual(1000);
    expect(mixed.all.throughputOpsPerSec).toBeLessThan(100_000);
    expect(existsSync(join(runDir, 'report', 'index.html'))).toBe(true);
    expect(await pidsMatching(runDir)).toEqual([]);
  });
});

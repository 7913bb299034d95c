/**
 * Faults on purpose on a real local 3-member cluster (docs/faults.md): the presets' signatures, as the
 * summary, the terminal and the report give them, and an interrupt during a fault that leaves no member
 * paused. Members are real etcd processes; the faults are real signals.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultWindowSummary, PhaseSummary, RunSummary } from '@etcdlab/common';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsMatching, repoRoot, runCli } from './helpers/cli.js';

const results = mkdtempSync(join(tmpdir(), 'etcdlab-faults-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

/** etcd's default election timeout (ms); the presets keep etcd's defaults. */
const ELECTION_TIMEOUT_MS = 1000;
/** The presets' request deadline: a request forwarded to a dying leader waits for it. */
const DEADLINE_MS = 2000;

async function quick(preset: string): Promise<{ code: number | null; stdout: string; stderr: string; runDir: string; phase: PhaseSummary; summary: RunSummary }> {
  const before = new Set(readdirSync(results));
  const r = await runCli(['quickstart', '-w', `workloads/${preset}.yaml`, '--quick', '--results', results], { timeoutMs: 150_000 });
  const runId = readdirSync(results).find((d) => !before.has(d));
  expect(runId, r.stderr).toBeDefined();
  const runDir = join(results, runId as string);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  return { ...r, runDir, summary, phase: summary.phases[0] as PhaseSummary };
}

describe('faults on a local 3-member cluster', () => {
  it('a leader SIGKILL: a leader change, a shaded window, a write gap above 0 and below the bound, no acknowledged write lost', async () => {
    const r = await quick('fault-leader-kill');
    expect(r.code, r.stderr).toBe(0);
    const f = r.phase.faults;
    const w = f?.windows[0] as FaultWindowSummary;
    expect(f?.windows).toHaveLength(1);
    expect(w).toMatchObject({ action: 'kill', target: 'leader' });
    expect(w.error).toBeUndefined();
    expect(w.members).toEqual([w.leaderBefore]);
    expect(w.leaderAfter).toBeDefined();
    expect(w.leaderAfter).not.toBe(w.leaderBefore);
    expect(w.electionMs).toBeGreaterThan(0);
    // Clients felt it: no write anywhere for a while, but no longer than an election (at worst a few
    // randomized timeouts), the deadline of a request lost with the leader, and a second of slack.
    const bound = 3 * ELECTION_TIMEOUT_MS + DEADLINE_MS + 1000;
    expect(w.writeGapMs).toBeGreaterThan(0);
    expect(w.writeGapMs).toBeLessThan(bound);
    expect(f?.availability?.write?.longestMs).toBeGreaterThanOrEqual(w.writeGapMs as number);
    expect(Object.keys(w.errors).length).toBeGreaterThan(0);
    expect(w.backMs).toBeGreaterThanOrEqual(0);
    // Durability: every tracked acknowledged put read back at its revision.
    expect(f?.durability?.checked).toBeGreaterThan(100);
    expect(f?.durability?.lost).toBe(0);
    expect(f?.durability?.changed).toBe(0);
    // One truth: the terminal, the report and the summary say the same.
    expect(r.stdout).toContain(`faults put-leader-kill:\n  ${w.statement}`);
    expect(r.stderr).toMatch(/fault: kill leader \(etcd-\d\) at \+3\.0 s/);
    const html = readFileSync(join(r.runDir, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<h3>Faults</h3>');
    expect(html).toContain('fill="rgb(200,40,40)"'); // the window shaded in the time charts
    expect(html).toContain(`Durability: ${f?.durabilityStatement}`);
    expect(r.summary.verdict.status).toBe('NONE');
    expect(await pidsMatching(r.runDir)).toEqual([]);
  });

  it('a follower SIGSTOP: no leader change, writes and reads go on cluster-wide, the member resumed', async () => {
    const r = await quick('fault-follower-pause');
    expect(r.code, r.stderr).toBe(0);
    const w = r.phase.faults?.windows[0] as FaultWindowSummary;
    expect(w).toMatchObject({ action: 'pause', target: 'follower' });
    expect(w.error).toBeUndefined();
    expect(w.members).toHaveLength(1);
    expect(w.members[0]).not.toBe(w.leaderBefore);
    expect(w.electionMs).toBeUndefined();
    // The leader keeps its quorum: some agent succeeds all along (gaps are at least 100 ms to count).
    expect(w.writeGapMs).toBeLessThan(1000);
    expect(w.readGapMs).toBeLessThan(1000);
    expect(r.stderr).toContain(`fault undone: resumed ${w.members[0]}`);
    expect(r.phase.faults?.durability?.lost).toBe(0);
  });

  it('the leader partitioned from its peers (through the link proxies): another member elected, no acknowledged write lost, links restored', async () => {
    const r = await quick('fault-partition');
    expect(r.code, r.stderr).toBe(0);
    const w = r.phase.faults?.windows[0] as FaultWindowSummary;
    expect(w).toMatchObject({ action: 'partition', target: 'leader' });
    expect(w.error).toBeUndefined();
    expect(w.members).toEqual([w.leaderBefore]);
    expect(w.leaderAfter).toBeDefined();
    expect(w.leaderAfter).not.toBe(w.leaderBefore);
    expect(w.electionMs).toBeLessThan(3 * ELECTION_TIMEOUT_MS + 1000);
    expect(w.writeGapMs).toBeLessThan(3 * ELECTION_TIMEOUT_MS + DEADLINE_MS + 1000);
    expect(r.stderr).toContain(`fault undone: links restored for ${w.members[0]}`);
    expect(r.phase.faults?.durability?.lost).toBe(0);
    // After the heal every member answers and agrees on one leader (the cluster is whole again).
    expect(r.phase.outcome).toBe('completed');
  });

  it('a follower cut off from its clients: its clients wait for their deadline, the cluster keeps writing, no leader change', async () => {
    const file = join(results, 'clients-partition.yaml');
    writeFileSync(file, readFileSync(join(repoRoot, 'workloads', 'fault-partition.yaml'), 'utf8').replace('target: leader, from: peers', 'target: follower, from: clients'));
    const before = new Set(readdirSync(results));
    const run = await runCli(['quickstart', '-w', file, '--quick', '--results', results], { timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    const runDir = join(results, readdirSync(results).find((d) => !before.has(d) && d !== 'clients-partition.yaml') as string);
    const w = (JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary).phases[0]?.faults?.windows[0] as FaultWindowSummary;
    expect(w).toMatchObject({ action: 'partition', target: 'follower' });
    expect(w.members[0]).not.toBe(w.leaderBefore);
    expect(w.electionMs).toBeUndefined();
    expect(w.writeGapMs).toBeLessThan(1000);
    // The clients connected to it: every request in flight there waits out its deadline.
    expect(w.errors.DEADLINE_EXCEEDED ?? 0).toBeGreaterThan(0);
    // ... and the report says which member they were sent to: the one cut off, most of all.
    const sent = Object.entries(w.errorsByMember ?? {}).sort((a, b) => b[1] - a[1]);
    expect(sent[0]?.[0], JSON.stringify(w.errorsByMember)).toBe(w.members[0]);
    expect(w.statement).toContain(`failed requests were sent to ${w.members[0]} (`);
  });

  it('Ctrl-C during a pause: exit 130, the member resumed, the kept cluster healthy, nothing paused; then drills on the kept cluster (`etcdlab fault`): a leader kill, a pause ended by Ctrl-C, a link fault refused', async () => {
    const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'quickstart', '-w', 'workloads/fault-follower-pause.yaml', '--keep', '--results', results], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 90_000; // bounded: the pause is due 3 s into the phase
    while (!/fault: pause follower/.test(stderr) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(stderr).toMatch(/fault: pause follower \(etcd-\d\)/);
    const member = /fault: pause follower \((etcd-\d)\)/.exec(stderr)?.[1] as string;
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain(`fault undone: resumed ${member}`);
    const runDir = join(results, readdirSync(results).find((d) => stderr.includes(d)) as string);
    try {
      const state = JSON.parse(readFileSync(join(runDir, 'cluster', 'cluster.json'), 'utf8')) as { members: { name: string; pid: number }[] };
      for (const m of state.members) {
        const stat = readFileSync(`/proc/${m.pid}/stat`, 'utf8');
        expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), `${m.name} process state`).not.toBe('T');
      }
      const status = await runCli(['cluster', 'status', '--run-dir', runDir], { timeoutMs: 30_000 });
      expect(status.code, status.stdout + status.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.status).toBe('aborted');
      expect(summary.phases[0]?.faults?.windows[0]?.members).toEqual([member]);
      await drills(runDir, state.members);
    } finally {
      await runCli(['cluster', 'clean', '--run-dir', runDir], { timeoutMs: 60_000 });
    }
    expect(await pidsMatching(runDir)).toEqual([]);
  });
});

/** `etcdlab fault` on a kept local cluster: the statement, the exit status, nothing left stopped or paused. */
async function drills(runDir: string, members: { name: string }[]): Promise<void> {
  const kill = await runCli(['fault', 'kill', 'leader', '--for', '2s', '--run-dir', runDir, '--json'], { timeoutMs: 90_000 });
  expect(kill.code, kill.stderr).toBe(0);
  const rec = JSON.parse(kill.stdout) as { members: string[]; leaderBefore?: string; leaderAfter?: string; electionMs?: number; backMs?: number; statement: string; error?: string };
  expect(rec.error).toBeUndefined();
  expect(rec.members).toEqual([rec.leaderBefore]);
  expect(rec.leaderAfter, rec.statement).not.toBe(rec.leaderBefore);
  expect(rec.electionMs, rec.statement).toBeLessThan(3 * ELECTION_TIMEOUT_MS + 1000);
  expect(rec.backMs, rec.statement).toBeGreaterThanOrEqual(0);
  expect(rec.statement).toMatch(/^kill leader \(etcd-\d\) at \+0\.0 s for [\d.]+ s: new leader etcd-\d after/);
  expect(kill.stderr).toContain(`fault undone: started again ${rec.leaderBefore}`);

  // A long pause ended by Ctrl-C: undone before the exit (130), the member running again.
  const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'fault', 'pause', 'follower', '--for', '60s', '--run-dir', runDir], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/fault: pause follower \(etcd-\d\)/.test(stderr) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  const paused = /fault: pause follower \((etcd-\d)\)/.exec(stderr)?.[1];
  expect(paused, stderr).toBeDefined();
  process.kill(-child.pid!, 'SIGINT');
  expect(await exited, stderr).toBe(130);
  expect(stderr).toContain(`fault undone: resumed ${paused}`);
  const state = JSON.parse(readFileSync(join(runDir, 'cluster', 'cluster.json'), 'utf8')) as { members: { name: string; pid: number }[] };
  expect(state.members.map((m) => m.name)).toEqual(members.map((m) => m.name));
  for (const m of state.members) {
    const stat = readFileSync(`/proc/${m.pid}/stat`, 'utf8');
    expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), `${m.name} process state after the drills`).not.toBe('T');
  }
  const status = await runCli(['cluster', 'status', '--run-dir', runDir], { timeoutMs: 30_000 });
  expect(status.code, status.stdout + status.stderr).toBe(0);

  // A link fault needs the proxies of a run: refused with the reason, nothing done.
  const link = await runCli(['fault', 'partition', 'follower', '--for', '1s', '--run-dir', runDir], { timeoutMs: 30_000 });
  expect(link.code).toBe(2);
  expect(link.stderr).toContain('E_OPTION_INVALID');
  expect(link.stderr).toContain('no link proxies');
}

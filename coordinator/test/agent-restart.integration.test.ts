/**
 * An agent process killed mid-phase (SIGKILL: no chance to say goodbye) is started again by its
 * supervisor (here the local fleet, on hosts systemd); the new process resends its spool and checkpoint,
 * rejoins the phase for the rest of its schedule, and the run completes with the restart stated and the
 * witness (etcd's revision delta) matching the agents' accounted writes within the checkpoint window.
 * An agent that stops answering (SIGSTOP) is given up on after the lost limit, and the run says so.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { pidsMatching, repoRoot } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'etcdlab-restart-'));
let member: EtcdMember;
beforeAll(async () => {
  member = await EtcdMember.start();
});
afterAll(async () => {
  await member?.destroy();
  if (!process.env.ETCDLAB_KEEP_TEST_DIR) rmSync(work, { recursive: true, force: true });
});

function workload(name: string, seconds: number): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
phases:
  - name: writes
    ops: { put: 1 }
    clients: 8
    duration: ${seconds}s
    keys: { prefix: ${name}, distribution: uniform, space: 1000 }
  - name: after
    ops: { put: 1 }
    clients: 4
    total: 400
    keys: { prefix: ${name}-after, distribution: sequential, space: 400 }
`,
  );
  return file;
}

/** Starts a run; resolves its folder once agent-1 has started the first phase (bounded: 30 s). */
async function startRun(wl: string, results: string): Promise<{ child: ChildProcess; runDir: string; exited: Promise<number | null>; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', wl, '--agents', '2', '--json', '--results', results], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let runDir = '';
  while (Date.now() < deadline) {
    const [runId] = existsSync(results) ? readdirSync(results) : [];
    const log = runId ? join(results, runId, 'agents', 'agent-1.log') : '';
    if (log && existsSync(log) && readFileSync(log, 'utf8').includes('"phase started"')) {
      runDir = join(results, runId!);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(runDir, `agent-1 did not start the phase within 30 s: ${err}`).not.toBe('');
  return { child, runDir, exited, stdout: () => out, stderr: () => err };
}

/** The CLI, bounded; stdout and stderr apart. */
async function cli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, out, err };
}

const agentPid = async (runDir: string): Promise<number> => {
  const [pid] = await pidsMatching(join(runDir, 'agents', 'agent-1.log'));
  expect(pid, 'agent-1 process not found').toBeDefined();
  return pid!;
};

describe('agent restarts and losses mid-phase', () => {
  it('SIGKILL of an agent: restarted, rejoined, the run completes and the witness matches within the window', async () => {
    const results = join(work, 'kill');
    const run = await startRun(workload('kill', 10), results);
    // Killed in the middle of an interval (3.5 s after its start): the interval in progress is in the checkpoint.
    const started = readFileSync(join(run.runDir, 'agents', 'agent-1.log'), 'utf8').split('\n').map((l) => (l.includes('"phase started"') ? (JSON.parse(l) as { time: number }).time : undefined)).find((t) => t !== undefined)!;
    await new Promise((r) => setTimeout(r, Math.max(0, started + 3500 - Date.now())));
    const pid = await agentPid(run.runDir);
    process.kill(pid, 'SIGKILL');
    const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
    if (code === 'timeout') run.child.kill('SIGKILL');
    expect(code, run.stderr()).toBe(0);

    const s = JSON.parse(run.stdout()) as RunSummary;
    const writes = s.phases.find((p) => p.name === 'writes')!;
    expect(writes.outcome).toBe('completed');
    expect(s.warnings.some((w) => /agent agent-1 restarted during phase writes at \+\d+\.\d s, back after \d+\.\d s, and rejoined it/.test(w)), s.warnings.join('\n')).toBe(true);
    // The restarted process measured too: both instances' intervals are in the raw log of agent-1.
    const lines = readFileSync(join(run.runDir, 'agents', 'agent-1.intervals.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { phase: string; instance: string; checkpointAtMs?: number });
    const instances = new Set(lines.filter((l) => l.phase === 'writes').map((l) => l.instance));
    expect(instances.size).toBe(2);
    expect(lines.some((l) => l.checkpointAtMs !== undefined)).toBe(true);
    // The witness: etcd's count and the agents' may differ only by the restart's checkpoint window.
    const w = writes.witness!;
    expect(w.etcdWrites).toBeGreaterThan(1000);
    expect(['equal', 'within-window'], JSON.stringify(w)).toContain(w.status);
    expect(-w.difference).toBeLessThanOrEqual(w.allowance);
    expect(s.phases.find((p) => p.name === 'after')!.witness).toMatchObject({ etcdWrites: 400, agentWrites: 400, status: 'equal' });
    expect(s.integrity.ok).toBe(true);
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { phases: { name: string; restarts?: { agentId: string; rejoined: boolean }[] }[] };
    expect(manifest.phases[0]!.restarts).toEqual([expect.objectContaining({ agentId: 'agent-1', rejoined: true })]);
    expect(await pidsMatching(run.runDir)).toEqual([]);
  }, 90_000);

  it('SIGKILL of the coordinator mid-phase: the folder says unfinished (report exits 1); run --resume takes over and completes with etcd\'s writes accounted for', async () => {
    const results = join(work, 'coordinator');
    const wl = join(work, 'coordinator.yaml');
    writeFileSync(wl, 'name: coordinator-kill\nphases:\n  - { name: first, ops: { put: 1 }, clients: 4, total: 300, keys: { prefix: ck-first, distribution: sequential, space: 300 } }\n  - { name: writes, ops: { put: 1 }, clients: 4, duration: 25s, keys: { prefix: ck, distribution: uniform, space: 1000 } }\n  - { name: after, ops: { put: 1 }, clients: 2, total: 200, keys: { prefix: ck-after, distribution: sequential, space: 200 } }\n');
    const run = await startRun(wl, results);
    const agentLog = join(run.runDir, 'agents', 'agent-1.log');
    const deadline = Date.now() + 30_000;
    while ((readFileSync(agentLog, 'utf8').match(/"phase started"/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2500));
    run.child.kill('SIGKILL');
    await run.exited;
    // The agents go on without a coordinator (orphans, for up to 30 s), spooling what they measure.
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { status: string; phases: { name: string; outcome: string }[]; inProgress?: { name: string } };
    expect(manifest.status).toBe('running');
    expect(manifest.phases.map((p) => [p.name, p.outcome])).toEqual([['first', 'completed']]);
    expect(manifest.inProgress?.name).toBe('writes');
    const report = await cli(['report', run.runDir]);
    expect(report.code, report.out).toBe(1);
    expect(report.out).toContain('verdict INCOMPLETE: the run failed; phase writes incomplete (the coordinator stopped during this phase');
    expect(report.out).toContain('the run did not finish: its coordinator stopped (killed or crashed) after 1 recorded phase(s); writes from the intervals that arrived, partial');

    // Options beside --resume are refused: they come from the folder.
    const twice = await cli(['run', '--resume', run.runDir, '-w', wl]);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('E_RESUME_REFUSED');

    const resumed = await cli(['run', '--resume', run.runDir, '--json'], 120_000);
    expect(resumed.code, resumed.err).toBe(0);
    const s = JSON.parse(resumed.out) as RunSummary;
    expect(s.phases.map((p) => [p.name, p.outcome])).toEqual([['first', 'completed'], ['writes', 'completed'], ['after', 'completed']]);
    expect(s.warnings.some((w) => /the coordinator was away for \d+\.\d s \(last seen at \+\d+\.\d s, resumed at \+\d+\.\d s, during phase writes\) and the run was resumed; \d+ interval report\(s\) of that time came from the agents' spools/.test(w)), s.warnings.join('\n')).toBe(true);
    // Every write etcd counted in the phase taken over is in the results (the orphans stopped gracefully).
    const w = s.phases.find((p) => p.name === 'writes')!.witness!;
    expect(w.etcdWrites).toBeGreaterThan(1000);
    expect(w.agentWrites / w.etcdWrites).toBeGreaterThanOrEqual(0.999);
    expect(s.phases.find((p) => p.name === 'after')!.witness).toMatchObject({ etcdWrites: 200, agentWrites: 200, status: 'equal' });
    expect(s.integrity.ok, JSON.stringify(s.integrity)).toBe(true);
    const final = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { status: string; resumes: unknown[] };
    expect(final.status).toBe('completed');
    expect(final.resumes).toHaveLength(1);
    // The folder reads back to the same figures, and a finished run is not resumed again.
    const again = await cli(['report', run.runDir, '--json']);
    expect((JSON.parse(again.out) as RunSummary).phases.find((p) => p.name === 'writes')!.all.count).toBe(s.phases.find((p) => p.name === 'writes')!.all.count);
    const done = await cli(['run', '--resume', run.runDir]);
    expect(done.code).toBe(2);
    expect(done.err).toMatch(/E_RESUME_REFUSED.*not unfinished \(status completed\)/);
    expect(await pidsMatching(run.runDir)).toEqual([]);
  }, 180_000);

  it('a named run (--run-id) started again with the same command after its coordinator was killed resumes; finished, it is not run twice', async () => {
    const results = join(work, 'named');
    const wl = join(work, 'named.yaml');
    writeFileSync(wl, 'name: named\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 4, duration: 12s, keys: { prefix: named, distribution: uniform, space: 1000 } }\n');
    const args = ['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', wl, '--agents', '1', '--run-id', 'nightly-1', '--results', results, '--json'];
    const first = spawn(process.execPath, ['coordinator/bin/etcdlab.js', ...args], { cwd: repoRoot, stdio: 'ignore' });
    const log = join(results, 'nightly-1', 'agents', 'agent-1.log');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"phase started"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2500));
    first.kill('SIGKILL');
    await new Promise((r) => first.on('close', r));
    const other = await cli([...args.slice(0, -5), '--agents', '2', '--run-id', 'nightly-1', '--results', results]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/E_RESUME_REFUSED: run nightly-1 was started with other options: --agents/);
    const again = await cli(args, 120_000);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('resuming run nightly-1');
    const s = JSON.parse(again.out) as RunSummary;
    expect(s.phases[0]!.outcome).toBe('completed');
    expect(s.phases[0]!.witness!.agentWrites / s.phases[0]!.witness!.etcdWrites).toBeGreaterThanOrEqual(0.999);
    const third = await cli(args);
    expect(third.code).toBe(2);
    expect(third.err).toContain('not unfinished (status completed)');
  }, 120_000);

  it('an agent that stops answering (SIGSTOP) is lost after the limit: the run completes INCOMPLETE and says who and when', async () => {
    const results = join(work, 'stop');
    const run = await startRun(workload('stop', 22), results);
    await new Promise((r) => setTimeout(r, 2000));
    const pid = await agentPid(run.runDir);
    process.kill(pid, 'SIGSTOP');
    try {
      const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 75_000))]);
      if (code === 'timeout') run.child.kill('SIGKILL');
      // 4: the verdict is incomplete (docs/results.md, exit statuses).
      expect(code, run.stderr()).toBe(4);
    } finally {
      // The fleet may have killed it already at the run's end.
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    const s = JSON.parse(run.stdout()) as RunSummary;
    const writes = s.phases.find((p) => p.name === 'writes')!;
    expect(writes.outcome).toBe('incomplete');
    expect(writes.reasons).toContain('agent agent-1 was lost');
    expect(s.verdict.status).toBe('INCOMPLETE');
    expect(s.warnings.some((w) => /agent agent-1 was lost during phase writes \(last heard of at \+\d+\.\d s\)/.test(w)), s.warnings.join('\n')).toBe(true);
    // The run's own note says how it was found out (kept in the manifest).
    const manifest = readFileSync(join(run.runDir, 'manifest.json'), 'utf8');
    expect(manifest).toMatch(/agent agent-1 was lost \(no report for 16 s, (still connected|disconnected)\) during phase writes/);
    // The next phase waited for agent-1 (bounded) and ran over who was there.
    expect(s.phases.find((p) => p.name === 'after')!.all.count).toBe(400);
    expect(writes.witness?.causes.some((c) => c.includes('agent agent-1 was lost'))).toBe(true);
  }, 120_000);
});

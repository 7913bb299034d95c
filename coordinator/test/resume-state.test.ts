/**
 * run --resume reads an unfinished run's folder back; every folder it cannot continue is refused with
 * E_RESUME_REFUSED before anything starts, naming the file and field. The gap it states is worded once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, InputError, parseWorkload } from '@etcdlab/common';
import { afterAll, describe, expect, it } from 'vitest';
import { loadResumeState, resumeWarning } from '../src/run/resume.js';

const root = mkdtempSync(join(tmpdir(), 'etcdlab-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const workloadText = 'name: w\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 2, duration: 5s, keys: { prefix: k, distribution: uniform, space: 10 } }\n';
const load = (file: string, quick: boolean) => parseWorkload(workloadText.replace('duration: 5s', file.endsWith('changed.yaml') ? 'duration: 6s' : 'duration: 5s'), file, { quick });

function folder(name: string, manifest: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'agents'), { recursive: true });
  const base = { runId: name, createdAt: new Date(0).toISOString(), status: 'running', cluster: { provider: 'external', members: 1, endpoints: ['http://127.0.0.1:1'] }, workload: load('w.yaml', false), invocation: { command: 'run', workload: 'w.yaml', cwd: root, endpoints: '127.0.0.1:1', agents: 1 }, fleet: { kind: 'processes', count: 1 }, phases: [] };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...base, ...manifest }));
  return dir;
}

function refusal(dir: string): InputError {
  try {
    loadResumeState(dir, load);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(ErrorCodes.resumeRefused);
    return err as InputError;
  }
  throw new Error(`${dir} was not refused`);
}

describe('run --resume: what an unfinished folder gives back, and what is refused', () => {
  it('an unfinished run: its invocation with paths resolved where it ran, the phase in progress, the last sign of life', () => {
    const dir = folder('ok', { inProgress: { name: 'writes', startAtMs: 1000, measuredAtMs: 1000, instances: { 'agent-1': 'i1' }, fromRevision: 5 } });
    const s = loadResumeState(dir, load);
    expect(s.invocation['workload']).toBe(join(root, 'w.yaml'));
    expect(s.inProgress?.phase).toMatchObject({ name: 'writes', fromRevision: 5 });
    expect(s.inProgress?.seed).toEqual([]);
    expect(s.lastSeenAtMs).toBeGreaterThan(Date.now() - 60_000);
    // The dead coordinator's heartbeat says when it was last alive (not the agents' later log lines).
    writeFileSync(join(dir, 'coordinator.json'), JSON.stringify({ pid: 999_999_999, host: hostname(), aliveAtMs: 12_345 }));
    expect(loadResumeState(dir, load).lastSeenAtMs).toBe(12_345);
  });
  it('refuses a folder whose coordinator is still alive on this machine', async () => {
    const dir = folder('alive', {});
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', 'etcdlab'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'coordinator.json'), JSON.stringify({ pid: live.pid, host: hostname(), aliveAtMs: Date.now() }));
      await new Promise((r) => setTimeout(r, 200));
      expect(refusal(dir).message).toContain(`still running: its coordinator (pid ${live.pid}) is alive`);
    } finally {
      live.kill('SIGKILL');
    }
  });
  it('refuses a finished run, a run of another command, agent containers, a changed workload, a folder without a manifest', () => {
    expect(refusal(folder('done', { status: 'completed' })).message).toContain('not unfinished (status completed)');
    expect(refusal(folder('quick', { invocation: { command: 'quickstart', workload: 'w.yaml' } })).problems[0]).toMatchObject({ field: 'invocation.command', message: 'quickstart' });
    expect(refusal(folder('containers', { fleet: { kind: 'containers' } })).problems[0]).toMatchObject({ field: 'fleet.kind' });
    expect(refusal(folder('changed', { invocation: { command: 'run', workload: 'changed.yaml', cwd: root } })).problems[0]).toMatchObject({ file: join(root, 'changed.yaml'), field: 'phases' });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(refusal(empty).problems[0]).toMatchObject({ file: join(empty, 'manifest.json'), message: 'missing' });
    writeFileSync(join(empty, 'manifest.json'), '{"runId": ');
    expect(refusal(empty).problems[0]!.file).toBe(join(empty, 'manifest.json'));
  });
  it('states the time without a coordinator, in the run\'s time', () => {
    expect(resumeWarning({ lastSeenAtMs: 12_000, resumedAtMs: 21_400, phase: 'writes', deliveredLate: 9 }, 0)).toBe(
      "the coordinator was away for 9.4 s (last seen at +12.0 s, resumed at +21.4 s, during phase writes) and the run was resumed; 9 interval report(s) of that time came from the agents' spools; etcd's metrics and the host samples have a gap there",
    );
    expect(resumeWarning({ lastSeenAtMs: 1000, resumedAtMs: 3000 }, 0)).toContain('between phases) and the run was resumed; etcd');
  });
});

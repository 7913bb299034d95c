/**
 * The fallback supervisor (hosts without a running systemd) with the real /bin/sh and real programs:
 * idempotent start, environment from the env file, restart after a crash, no restart after a clean exit,
 * stop (supervisor first, then the program), no signal to a process whose pid was merely reused, and
 * the log rotated at its limit.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSvcStatus, SUPERVISOR_SCRIPT } from '../src/cluster/ssh/supervisor-script.js';
import { eventually, pidsMentioning } from './helpers/ssh-deploy.js';

let dir: string;
let script: string;

const alive = (pid: number | undefined) => pid !== undefined && existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
const svc = (...args: string[]) => svcWith({}, ...args);
const svcWith = (env: NodeJS.ProcessEnv, ...args: string[]) => {
  const r = spawnSync('/bin/sh', [script, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, status: parseSvcStatus(r.stdout) };
};

/** A program that writes what it sees, then runs until signalled (or exits with `exit` after a moment). */
function program(name: string, exit?: number): { runDir: string; marker: string; argv: string[] } {
  const runDir = path.join(dir, name, 'run');
  const marker = path.join(dir, name, 'marker');
  const body = `require('fs').appendFileSync(${JSON.stringify(path.join(dir, name, 'seen'))}, JSON.stringify({pid: process.pid, secret: process.env.SECRET, nofile: require('child_process').execSync('ulimit -n', {shell: '/bin/sh'}).toString().trim()}) + '\\n');
${exit === undefined ? 'setInterval(() => {}, 1000);' : `setTimeout(() => process.exit(${exit}), 1500);`}`;
  return { runDir, marker, argv: [process.execPath, '-e', body, marker] };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-svc-'));
  script = path.join(dir, 'etcdlab-svc.sh');
  writeFileSync(script, SUPERVISOR_SCRIPT, { mode: 0o755 });
  writeFileSync(path.join(dir, 'env'), 'SECRET=from-env-file\n', { mode: 0o600 });
});
afterAll(() => {
  for (const pid of pidsMentioning(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('fallback supervisor', () => {
  it('starts once, with the env file and the file limit; a second start changes nothing', async () => {
    const p = program('a');
    const first = svc('start', p.runDir, p.marker, path.join(dir, 'env'), '4096', '1', '--', ...p.argv);
    expect(first.code, first.err).toBe(0);
    expect(first.status.state).toBe('running');
    expect(alive(first.status.supervisor)).toBe(true);
    expect(alive(first.status.main)).toBe(true);
    expect(await eventually(() => existsSync(path.join(dir, 'a', 'seen')))).toBe(true);
    const seen = JSON.parse(readFileSync(path.join(dir, 'a', 'seen'), 'utf8').trim().split('\n')[0]!) as { secret: string; nofile: string };
    expect(seen.secret).toBe('from-env-file');
    expect(Number(seen.nofile)).toBeLessThanOrEqual(4096);
    // The secret came through the environment, never the command line.
    expect(readFileSync(`/proc/${first.status.main}/cmdline`, 'utf8')).not.toContain('from-env-file');
    const again = svc('start', p.runDir, p.marker, path.join(dir, 'env'), '4096', '1', '--', ...p.argv);
    expect(again.status).toMatchObject({ state: 'running', supervisor: first.status.supervisor });
    expect(svc('status', p.runDir, p.marker).status).toEqual({ state: 'running', supervisor: first.status.supervisor, main: first.status.main });
  });

  it('restarts the program after a crash and logs why', async () => {
    const p = program('a');
    const before = svc('status', p.runDir, p.marker).status;
    process.kill(before.main as number, 'SIGKILL');
    expect(await eventually(() => {
      const now = svc('status', p.runDir, p.marker).status;
      return now.state === 'running' && now.main !== before.main;
    }, 15_000)).toBe(true);
    expect(readFileSync(path.join(p.runDir, 'service.log'), 'utf8')).toMatch(/exited with status 137; restarting in 2 s/);
  });

  it('stop ends the supervisor, then the program; a second stop is a no-op', async () => {
    const p = program('a');
    const st = svc('status', p.runDir, p.marker).status;
    const r = svc('stop', p.runDir, p.marker);
    expect(r.code).toBe(0);
    expect(r.status.state).toBe('stopped');
    expect(await eventually(() => !alive(st.supervisor) && !alive(st.main), 5000)).toBe(true);
    expect(pidsMentioning(p.marker)).toEqual([]);
    expect(svc('stop', p.runDir, p.marker).code).toBe(0);
    expect(svc('status', p.runDir, p.marker).status.state).toBe('stopped');
  });

  it('does not restart a program that exited cleanly', async () => {
    const p = program('b', 0);
    expect(svc('start', p.runDir, p.marker, '-', '4096', '0', '--', ...p.argv).code).toBe(0);
    expect(await eventually(() => svc('status', p.runDir, p.marker).status.state === 'stopped', 10_000)).toBe(true);
    expect(readFileSync(path.join(p.runDir, 'service.log'), 'utf8')).toContain('exited cleanly; not restarting');
  });

  it('never signals a process whose pid is in a stale pid file but which is not ours', () => {
    const p = program('c');
    execFileSync('mkdir', ['-p', p.runDir]);
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(p.runDir, 'supervisor.pid'), `${stranger.pid}\n`);
      writeFileSync(path.join(p.runDir, 'main.pid'), `${stranger.pid}\n`);
      expect(svc('status', p.runDir, p.marker).status.state).toBe('stopped');
      expect(svc('stop', p.runDir, p.marker).code).toBe(0);
      expect(alive(stranger.pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a program that cannot start fails the start with its log, and no supervisor is left', () => {
    const p = program('d');
    const argv = ['/bin/sh', '-c', 'echo "cannot open config" >&2; exit 3', p.marker];
    const r = svc('start', p.runDir, p.marker, '-', '4096', '0', '--', ...argv);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot open config');
    expect(pidsMentioning(p.marker)).toEqual([]);
  });

  it('rotates the log past its limit, keeping one old copy, and the program keeps writing to it', async () => {
    const p = program('e');
    const line = 'x'.repeat(199);
    const argv = [process.execPath, '-e', `setInterval(() => console.log(${JSON.stringify(line)}), 20)`, p.marker]; // 10 kB/s
    const log = path.join(p.runDir, 'service.log');
    const r = svcWith({ ETCDLAB_SVC_LOG_MAX_BYTES: '4000', ETCDLAB_SVC_LOG_CHECK_S: '1' }, 'start', p.runDir, p.marker, '-', '4096', '0', '--', ...argv);
    expect(r.code, r.err).toBe(0);
    expect(await eventually(() => existsSync(`${log}.1`), 10_000)).toBe(true);
    const size = () => readFileSync(log).length;
    // Bounded: at most the limit plus what one check interval writes; and still growing after rotations.
    await new Promise((res) => setTimeout(res, 2500));
    expect(size()).toBeLessThan(4000 + 2 * 10_000);
    expect(readFileSync(`${log}.1`, 'utf8').split('\n').filter(Boolean).every((l) => l === line)).toBe(true);
    const before = size();
    expect(await eventually(() => size() !== before, 3000)).toBe(true);
    const st = svc('status', p.runDir, p.marker).status;
    expect(svc('stop', p.runDir, p.marker).code).toBe(0);
    expect(await eventually(() => !alive(st.supervisor) && pidsMentioning(p.marker).length === 0, 5000)).toBe(true);
  });
});

/**
 * `etcdlab hosts check` against real OpenSSH sshd hosts (scripts/testbed/sshd-hosts.sh), through the
 * built CLI: sane values for every probe, a table, an unreachable host and a wrong identity reported as
 * failures while the other hosts are still checked, unknown keys refused then recorded with
 * --accept-new, a changed key refused, and a dry run that contacts nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySystemd } from '../src/hostcheck/facts.js';
import type { HostCheck, HostsCheckReport } from '../src/hostcheck/index.js';
import { runCli } from './helpers/cli.js';
import { type SshdTestbed, startSshdTestbed } from './helpers/sshd-testbed.js';

let tb: SshdTestbed;
let baseYaml: string;

beforeAll(async () => {
  tb = await startSshdTestbed(4);
  baseYaml = readFileSync(tb.inventoryFile, 'utf8');
});
afterAll(async () => tb?.stop());

/** The testbed inventory with text edits, written beside it. */
function inventory(name: string, edit: (yaml: string) => string): string {
  const file = path.join(tb.dir, `${name}.yaml`);
  writeFileSync(file, edit(baseYaml));
  return file;
}
const quick = ['--fsync-size', '256k'];
const parse = (stdout: string) => JSON.parse(stdout) as HostsCheckReport;
const byName = (r: HostsCheckReport, name: string) => r.hosts.find((h) => h.name === name) as HostCheck;

function localSystemd(): string {
  try {
    return execFileSync('systemctl', ['is-system-running'], { encoding: 'utf8' });
  } catch (err) {
    return (err as { stdout?: string }).stdout || 'absent';
  }
}

describe('hosts check', () => {
  it('--json: sane values on reachable hosts; an unreachable host and a wrong identity fail with their reason', async () => {
    const wrong = path.join(tb.dir, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const file = inventory('mixed', (y) =>
      y.replace(/(  - \{ name: host-4, .*)\}$/m, `$1, ssh: { identityFile: ${wrong} } }`) +
      `  - { name: ghost, address: 127.0.0.250, roles: [agent], workDir: ${tb.dir}/ghost }\n`,
    );
    const res = await runCli(['hosts', 'check', '-i', file, '--json', '--disk-probe', 'fio', ...quick]);
    expect(res.code, res.stderr).toBe(1);
    const r = parse(res.stdout);
    expect(r.schema).toBe('etcdlab.hosts-check/1');
    expect(r.hosts.map((h) => h.name)).toEqual(['host-1', 'host-2', 'host-3', 'host-4', 'ghost']);
    expect(r.summary.fail).toBeGreaterThanOrEqual(2);

    const ghost = byName(r, 'ghost');
    expect(ghost).toMatchObject({ reachable: false, verdict: 'fail', error: { code: 'E_SSH_UNREACHABLE', step: 'connect' } });
    expect(ghost.reasons[0]?.message).toMatch(/ECONNREFUSED/);
    const h4 = byName(r, 'host-4');
    expect(h4).toMatchObject({ reachable: false, verdict: 'fail', error: { code: 'E_SSH_AUTH_FAILED', step: 'connect' } });
    expect(h4.error?.fix).toMatch(/authorized_keys/);

    const systemd = classifySystemd(localSystemd());
    const uname = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    for (const name of ['host-1', 'host-2', 'host-3']) {
      const h = byName(r, name);
      expect(h.reachable, JSON.stringify(h.reasons)).toBe(true);
      expect(h.verdict).not.toBe(undefined);
      expect(h.hostKey).toMatchObject({ status: 'known', file: tb.knownHosts });
      expect(h.os?.arch).toBe(uname);
      expect(h.os?.kernel).toBe(`Linux ${os.release()}`);
      expect(h.cpus).toBe(os.cpus().length);
      expect(h.loadavg).toHaveLength(3);
      expect(h.cpu?.stealPct).toBeGreaterThanOrEqual(0);
      expect(h.cpu?.busyPct).toBeLessThanOrEqual(100);
      expect(h.cpu?.sampleMs).toBeGreaterThanOrEqual(1000);
      expect(Array.isArray(h.topProcesses)).toBe(true);
      for (const p of h.topProcesses ?? []) {
        expect(p.comm).not.toBe('sshd');
        expect(p.cmdline).not.toContain('etcdlab-hostcheck');
      }
      expect(h.memory?.totalBytes).toBe(os.totalmem());
      expect(h.disk).toMatchObject({ path: `${tb.dir}/${name}/work` });
      expect(h.disk?.freeBytes).toBeGreaterThan(0);
      expect(h.fsync).toMatchObject({ method: 'fio', percentiles: true });
      expect(h.fsync?.writes).toBe(Math.floor((256 * 1024) / 2300));
      expect(h.fsync?.p99Ms).toBeGreaterThan(0);
      expect(h.clock?.source).toBe('EPOCHREALTIME');
      expect(Math.abs(h.clock?.offsetMs ?? 99)).toBeLessThan(5); // the same machine's clock
      expect(h.clock?.rounds).toBe(8);
      expect(h.systemd).toMatchObject({ mode: systemd.mode, state: systemd.state });
      // No probe file is left in the work dir.
      expect(execFileSync('ls', ['-A', `${tb.dir}/${name}/work`], { encoding: 'utf8' })).toBe('');
    }
  });

  it('prints a table with a verdict per host and one line per reason; the exit status follows the verdicts', async () => {
    const res = await runCli(['hosts', 'check', '-i', tb.inventoryFile, '--disk-probe', 'python3', ...quick]);
    expect(res.stdout).toMatch(/│ host\s+│ verdict\s+│ os \/ arch/);
    for (const n of ['host-1', 'host-2', 'host-3', 'host-4']) expect(res.stdout).toMatch(new RegExp(`│ ${n}\\s+│ (OK|WARN|FAIL)\\s+│`));
    expect(res.stdout).toMatch(/\(python3\)/);
    const m = /4 host\(s\): (\d+) ok, (\d+) warn, (\d+) fail/.exec(res.stdout);
    expect(m).not.toBeNull();
    expect(res.code).toBe(Number(m?.[3]) > 0 ? 1 : 0);
    expect(res.stderr).toMatch(/\[host-1\] connect \.\.\. ok/);
  });

  it('refuses unknown hosts unless --accept-new, which records them in .etcdlab/known_hosts of the working directory', async () => {
    const cwd = mkdtempSync(path.join(tb.dir, 'project-'));
    const file = inventory('no-known-hosts', (y) => y.replace(/^  knownHostsFile: .*\n/m, '').replace(/^hosts:\n/m, 'hosts:\n').replace(/  - \{ name: host-[34].*\n/g, ''));
    const args = ['hosts', 'check', '-i', file, '--json', '--disk-probe', 'dd', '--fsync-size', '23000'];
    const refused = parse((await runCli(args, { cwd, env: { HOME: cwd } })).stdout);
    expect(refused.hosts.map((h) => h.error?.code)).toEqual(['E_HOST_KEY_UNKNOWN', 'E_HOST_KEY_UNKNOWN']);
    expect(refused.hosts[0]?.error?.fix).toMatch(/--accept-new/);
    const projectFile = path.join(cwd, '.etcdlab', 'known_hosts');
    expect(existsSync(projectFile)).toBe(false);

    const accepted = parse((await runCli([...args, '--accept-new'], { cwd, env: { HOME: cwd } })).stdout);
    expect(accepted.hosts.map((h) => h.hostKey?.status)).toEqual(['recorded', 'recorded']);
    expect(accepted.hosts[0]?.fsync).toMatchObject({ method: 'dd', writes: 10, percentiles: false });
    expect(readFileSync(projectFile, 'utf8').trim().split('\n').sort()).toEqual(readFileSync(tb.knownHosts, 'utf8').trim().split('\n').slice(0, 2));

    const again = parse((await runCli(args, { cwd, env: { HOME: cwd } })).stdout);
    expect(again.hosts.map((h) => [h.hostKey?.status, h.hostKey?.file])).toEqual([
      ['known', projectFile],
      ['known', projectFile],
    ]);
  });

  it('refuses a changed host key with E_HOST_KEY_MISMATCH and still checks the other hosts', async () => {
    const lines = readFileSync(tb.knownHosts, 'utf8').trim().split('\n');
    // host-1 recorded with host-4's ed25519 key: same type, another key.
    const forged = [`${lines[0]?.split(' ')[0]} ${lines[3]?.split(' ').slice(1).join(' ')}`, ...lines.slice(1)];
    const kh = path.join(tb.dir, 'known_hosts.forged');
    writeFileSync(kh, forged.join('\n') + '\n');
    const file = inventory('forged', (y) => y.replace(/^  knownHostsFile: .*$/m, `  knownHostsFile: ${kh}`).replace(/  - \{ name: host-[34].*\n/g, ''));
    const res = await runCli(['hosts', 'check', '-i', file, '--json', '--disk-probe', 'perl', '--fsync-size', '23000'], { env: { HOME: tb.dir } });
    const r = parse(res.stdout);
    expect(res.code).toBe(1);
    expect(byName(r, 'host-2').fsync).toMatchObject({ method: 'perl', writes: 10, percentiles: true });
    expect(byName(r, 'host-1').error).toMatchObject({ code: 'E_HOST_KEY_MISMATCH', step: 'connect' });
    expect(byName(r, 'host-1').error?.message).toMatch(/HOST KEY MISMATCH/);
    expect(byName(r, 'host-1').error?.fix).toContain(`-f ${kh}`);
    expect(byName(r, 'host-2').reachable).toBe(true);
  });

  it('--dry-run prints the plan and contacts nothing', async () => {
    const cwd = mkdtempSync(path.join(tb.dir, 'dry-'));
    const sshdLog = path.join(tb.dir, 'host-1', 'sshd.log');
    const logBefore = readFileSync(sshdLog, 'utf8');
    const res = await runCli(['hosts', 'check', '-i', tb.inventoryFile, '--dry-run', '--accept-new'], { cwd });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`host-1: root@127.0.0.11:${tb.port}`);
    expect(res.stdout).toContain(`host key checked against ${path.join(cwd, '.etcdlab', 'known_hosts')}, ${tb.knownHosts}`);
    const json = await runCli(['hosts', 'check', '-i', tb.inventoryFile, '--dry-run', '--json'], { cwd });
    expect(json.code).toBe(0);
    const planned = JSON.parse(json.stdout) as { schema: string; hosts: { name: string; address: string; port: number }[] };
    expect(planned.schema).toBe('etcdlab.hosts-check-plan/1');
    expect(planned.hosts[0]).toMatchObject({ name: 'host-1', address: '127.0.0.11', port: tb.port });
    expect(existsSync(path.join(cwd, '.etcdlab'))).toBe(false);
    expect(readFileSync(sshdLog, 'utf8').slice(logBefore.length)).not.toMatch(/Connection from/);
  });

  it('bad options are input errors (exit 2)', async () => {
    const res = await runCli(['hosts', 'check', '-i', tb.inventoryFile, '--fsync-size', 'lots']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/E_OPTION_INVALID.*--fsync-size/s);
    const missing = await runCli(['hosts', 'check', '-i', path.join(tb.dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/E_INVENTORY_UNREADABLE/);
  });
});

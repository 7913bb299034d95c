/**
 * The ssh provider end to end over real OpenSSH sshd on loopback aliases (scripts/testbed/sshd-hosts.sh):
 * systemd is not PID 1 here, so every service runs under the fallback supervisor. Bad input first (each
 * must leave every host untouched), then a 3-member cluster up/status/down/up, agents installed as
 * services, a short run with merged results, logs, and clean leaving no process or file behind. The cluster
 * serves TLS (certificates made here, client certificates required); the systemd e2e covers plain HTTP.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { eventually, filesContaining, freePortOn, inventoryYaml, modeOf, pidsMentioning, type TestHost } from './helpers/ssh-deploy.js';
import { type SshdTestbed, startSshdTestbed } from './helpers/sshd-testbed.js';

let tb: SshdTestbed;
let scratch: string;
let hosts: TestHost[];
let baseYaml: (over?: { hosts?: TestHost[]; ssh?: Partial<{ identityFile: string; knownHostsFile: string }> }) => string;
let inv: string;
let clientPortOf: () => number;
const env = () => ({ ETCDLAB_STATE_DIR: path.join(scratch, 'state') });
const cli = (args: string[], timeoutMs = 150_000) => runCli(args, { env: env(), timeoutMs });
const workDirs = () => hosts.map((h) => h.workDir);
const nothingInstalled = () => workDirs().every((w) => !existsSync(path.join(w, 'etcd')) && !existsSync(path.join(w, 'agent')) && !existsSync(path.join(w, '.etcdlab-workdir')));

beforeAll(async () => {
  // Addresses 127.0.0.51.. keep clear of the SSH layer's own tests (127.0.0.11..).
  tb = await startSshdTestbed(4, { first: 51 });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-ssh-deploy-'));
  const base = tb.inventory();
  hosts = base.hosts.map((h, i) => ({ name: h.name, address: h.address, roles: i < 3 ? ['etcd', 'monitor'] : ['agent'], workDir: h.workDir }));
  const clientPort = await freePortOn(tb.addresses);
  const peerPort = await freePortOn(tb.addresses, [clientPort]);
  const coordinatorPort = await freePortOn(['127.0.0.1'], [clientPort, peerPort]);
  clientPortOf = () => clientPort;
  baseYaml = (over = {}) =>
    inventoryYaml({
      ssh: { user: base.hosts[0]!.ssh.user, port: tb.port, identityFile: tb.identity, knownHostsFile: tb.knownHosts, ...over.ssh },
      coordinator: { address: '127.0.0.1', port: coordinatorPort },
      hosts: over.hosts ?? hosts,
      cluster: { name: 'lo', clientPort, peerPort, tls: true },
    });
  inv = path.join(scratch, 'inventory.yaml');
  writeFileSync(inv, baseYaml());
}, 300_000);

afterAll(async () => {
  // Whatever a failed test left running is removed; clean is idempotent.
  if (inv && tb) await cli(['cluster', 'clean', '-i', inv]).catch(() => undefined);
  await tb?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 300_000);

describe('bad input leaves every host untouched', () => {
  it('two members on one host: exit 2 with file, field and fix', async () => {
    const file = path.join(scratch, 'two-on-one.yaml');
    writeFileSync(file, baseYaml({ hosts: [...hosts.slice(0, 3), { ...hosts[0]!, name: 'host-1b' }] }));
    const r = await cli(['cluster', 'up', '-i', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_INVENTORY_INVALID');
    expect(r.stderr).toMatch(/hosts\[3\]\.address: address 127\.0\.0\.51 is also hosts\[0\] \(host-1\)/);
    expect(r.stderr).toContain('fix: list each machine once');
    expect(nothingInstalled()).toBe(true);
  });

  it('an unreachable host: the preflight names it and nothing is installed on the others', async () => {
    const file = path.join(scratch, 'unreachable.yaml');
    writeFileSync(file, baseYaml({ hosts: [...hosts.slice(0, 2), { name: 'ghost', address: '127.0.0.59', roles: ['etcd'], workDir: path.join(scratch, 'ghost') }, hosts[3]!] }));
    const r = await cli(['cluster', 'up', '-i', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_HOSTS_FAILED');
    expect(r.stderr).toMatch(/cannot connect to 1 of 3 host\(s\): ghost; nothing was changed on any host/);
    expect(r.stderr).toMatch(/ghost: step "connect": E_SSH_UNREACHABLE/);
    expect(nothingInstalled()).toBe(true);
  });

  it('a wrong key: authentication refused, nothing installed anywhere', async () => {
    const key = path.join(scratch, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const file = path.join(scratch, 'wrong-key.yaml');
    writeFileSync(file, baseYaml({ hosts: hosts.map((h, i) => (i === 1 ? { ...h, identityFile: key } : h)) }));
    const r = await cli(['agents', 'install', '-i', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host-2: step "connect": E_SSH_AUTH_FAILED/);
    expect(nothingInstalled()).toBe(true);
  });

  it('a host key that does not match known_hosts is refused before anything is installed', async () => {
    const lines = readFileSync(tb.knownHosts, 'utf8').trim().split('\n');
    // host-1's name with host-2's key.
    const forged = [`${lines[0]!.split(' ')[0]} ${lines[1]!.split(' ').slice(1).join(' ')}`, ...lines.slice(1)];
    const kh = path.join(scratch, 'known_hosts.forged');
    writeFileSync(kh, forged.join('\n') + '\n');
    const file = path.join(scratch, 'mismatch.yaml');
    writeFileSync(file, baseYaml({ ssh: { knownHostsFile: kh } }));
    const r = await cli(['cluster', 'up', '-i', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host-1: step "connect": E_HOST_KEY_MISMATCH/);
    expect(nothingInstalled()).toBe(true);
  });

  it('run -i before agents install says how to fix it', async () => {
    const r = await cli(['run', '-i', inv, '-w', 'workloads/smoke.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_AGENTS_NOT_INSTALLED');
    expect(r.stderr).toContain(`fix: run: etcdlab agents install -i ${inv}`);
  });
});

describe('cluster, agents and a run over SSH (fallback supervisor)', () => {
  it('--dry-run prints the plan and touches nothing', async () => {
    const r = await cli(['cluster', 'up', '-i', inv, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('nothing will be changed (--dry-run)');
    for (const h of hosts.slice(0, 3)) expect(r.stderr).toContain(`[${h.name}] root@${h.address}`);
    expect(nothingInstalled()).toBe(true);
  });

  it('cluster up brings 3 members up under the fallback, healthy; a second up changes nothing', async () => {
    const r = await cli(['cluster', 'up', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[host-1\] no running systemd \(\w+\): fallback supervisor/);
    for (const step of ['prepare work directory', 'install etcd', 'write configuration', 'install service', 'start']) expect(r.stderr).toContain(`[host-2] ${step} ... ok`);
    const status = await cli(['cluster', 'status', '-i', inv, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const reports = JSON.parse(status.stdout) as { name: string; healthy: boolean; state: string; endpoint: string; status?: { leader: string; memberId: string } }[];
    expect(reports.map((x) => [x.name, x.healthy])).toEqual([['host-1', true], ['host-2', true], ['host-3', true]]);
    expect(reports[0]!.endpoint).toBe(`https://${hosts[0]!.address}:${clientPortOf()}`);
    // TLS for real: the CA key and the client key stay in the project state, owner-only; the member key on its host too.
    const pki = path.join(scratch, 'state', 'ssh', 'lo', 'pki');
    for (const f of ['ca.key', 'client.key']) expect(modeOf(path.join(pki, f))).toBe(0o600);
    expect(modeOf(path.join(hosts[0]!.workDir, 'etcd', 'tls', 'server.key'))).toBe(0o600);
    expect(readFileSync(path.join(hosts[0]!.workDir, 'etcd', 'etcd.conf.yml'), 'utf8')).toContain('client-cert-auth: true');
    expect(reports.filter((x) => x.status?.leader === x.status?.memberId)).toHaveLength(1);
    expect(reports[0]!.state).toMatch(/^running \(fallback supervisor, pid \d+/);
    const pids = pidsMentioning(`${hosts[0]!.workDir}/etcd/etcd.conf.yml`).sort();

    const again = await cli(['cluster', 'up', '-i', inv]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('[host-1] etcd already installed (sha256 matches)');
    expect(again.stderr).toContain('[host-1] already running ... ok');
    expect(pidsMentioning(`${hosts[0]!.workDir}/etcd/etcd.conf.yml`).sort()).toEqual(pids);
  });

  it('down stops every member and keeps the data; up starts them again with the same members', async () => {
    const before = JSON.parse((await cli(['cluster', 'status', '-i', inv, '--json'])).stdout) as { status?: { memberId: string } }[];
    const down = await cli(['cluster', 'down', '-i', inv]);
    expect(down.code, down.stderr).toBe(0);
    for (const w of workDirs().slice(0, 3)) {
      expect(await eventually(() => pidsMentioning(`${w}/etcd/`).length === 0)).toBe(true);
      expect(existsSync(path.join(w, 'etcd', 'data', 'member'))).toBe(true);
    }
    const stopped = await cli(['cluster', 'status', '-i', inv, '--json']);
    expect(stopped.code).toBe(1);
    expect((JSON.parse(stopped.stdout) as { state: string }[]).map((x) => x.state.split(' ')[0])).toEqual(['stopped', 'stopped', 'stopped']);
    expect((await cli(['cluster', 'down', '-i', inv])).code).toBe(0);

    const up = await cli(['cluster', 'up', '-i', inv]);
    expect(up.code, up.stderr).toBe(0);
    const after = JSON.parse((await cli(['cluster', 'status', '-i', inv, '--json'])).stdout) as { status?: { memberId: string } }[];
    expect(after.map((x) => x.status?.memberId)).toEqual(before.map((x) => x.status?.memberId));
  });

  it('agents install: a load agent and 3 monitors as services; the token only in 0600 files', async () => {
    const r = await cli(['agents', 'install', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    const stateFile = path.join(scratch, 'state', 'agents', 'lo.json');
    expect(modeOf(stateFile)).toBe(0o600);
    const token = (JSON.parse(readFileSync(stateFile, 'utf8')) as { token: string }).token;
    expect(token.length).toBeGreaterThan(20);
    const envFile = path.join(hosts[3]!.workDir, 'agent', 'agent.env');
    expect(modeOf(envFile)).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain(`ETCDLAB_TOKEN=${token}`);
    const agentPids = pidsMentioning(`${hosts[3]!.workDir}/agent/etcdlab-agent.cjs`);
    expect(agentPids.length).toBeGreaterThan(0);
    for (const pid of [...agentPids, ...pidsMentioning(`${hosts[0]!.workDir}/agent/`)]) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(token);
    expect(r.stderr).not.toContain(token);
    const status = await cli(['agents', 'status', '-i', inv, '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout) as { id: string; role: string; state: string; mode: string }[];
    expect(rows.map((x) => `${x.id}/${x.role}/${x.state}/${x.mode}`)).toEqual(['host-1-monitor/monitor/running/fallback', 'host-2-monitor/monitor/running/fallback', 'host-3-monitor/monitor/running/fallback', 'host-4/agent/running/fallback']);
  });

  it('run -i: the host agent dials in, the workload completes with merged results and the manifest records the hosts', async () => {
    const results = path.join(scratch, 'results');
    const r = await cli(['run', '-i', inv, '-w', 'workloads/smoke.yaml', '--json', '--results', results]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.integrity.ok).toBe(true);
    expect(summary.cluster).toMatchObject({ provider: 'ssh', members: 3, tls: true });
    const byName = Object.fromEntries(summary.phases.map((p) => [p.name, p]));
    expect(byName.writes?.all).toMatchObject({ count: 400, errors: 0 });
    expect(byName.reads?.all).toMatchObject({ count: 400, errors: 0 });
    expect(byName['open-loop-mixed']?.all.count).toBeGreaterThan(400);
    const runDir = summary.runDir;
    expect(existsSync(path.join(runDir, 'agents', 'host-4.hlog'))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Record<string, any>;
    expect(manifest.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['host-4']);
    expect(typeof manifest.agents[0].clock.offsetMs).toBe('number');
    expect(manifest.monitors.map((m: { agentId: string; connected: boolean }) => `${m.agentId}:${m.connected}`)).toEqual(['host-1-monitor:true', 'host-2-monitor:true', 'host-3-monitor:true']);
    expect(manifest.placement).toMatchObject({ allowColocation: false, colocated: [] });
    expect(manifest.inventory.hosts).toHaveLength(4);
    // The hosts check library (issue 3's hosts check) ran right before the run, with a short disk probe.
    expect(manifest.hostChecks.report.schema).toBe('etcdlab.hosts-check/1');
    expect(manifest.hostChecks.report.hosts.map((h: { name: string; reachable: boolean }) => `${h.name}:${h.reachable}`)).toEqual(['host-1:true', 'host-2:true', 'host-3:true', 'host-4:true']);
    expect(r.stderr).toMatch(/host checks: \d+ ok, \d+ warn, \d+ fail/);
    const token = (JSON.parse(readFileSync(path.join(scratch, 'state', 'agents', 'lo.json'), 'utf8')) as { token: string }).token;
    expect(filesContaining(runDir, token)).toEqual([]);
    const clientKey = readFileSync(path.join(scratch, 'state', 'ssh', 'lo', 'pki', 'client.key'), 'utf8').trim().split('\n')[1] as string;
    expect(filesContaining(runDir, clientKey)).toEqual([]);
    expect(r.stderr).not.toContain(token);
  });

  it('sweep --members 1,3: the cluster is recreated on the first N etcd hosts per point, agent services stay', async () => {
    const wl = path.join(scratch, 'sweep.yaml');
    writeFileSync(wl, 'name: sweep-ssh\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 2, total: 100, value: { size: 32 } }\n');
    const r = await cli(['sweep', '-i', inv, '-w', wl, '--members', '1,3', '--results', path.join(scratch, 'sweep-results'), '--json'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    const cmp = JSON.parse(r.stdout) as { axis: string; rows: { members: number; dir: string }[] };
    expect(cmp.rows.map((x) => x.members)).toEqual([1, 3]);
    for (const [i, row] of cmp.rows.entries()) {
      const manifest = JSON.parse(readFileSync(path.join(row.dir, 'manifest.json'), 'utf8')) as { cluster: { provider: string; members: number }; members: string[]; agents: { agentId: string }[] };
      expect(manifest.cluster).toMatchObject({ provider: 'ssh', members: [1, 3][i] });
      expect(manifest.members).toEqual(['host-1', 'host-2', 'host-3'].slice(0, [1, 3][i]));
      expect(manifest.agents.map((a) => a.agentId)).toEqual(['host-4']);
      const summary = JSON.parse(readFileSync(path.join(row.dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.phases[0]?.all).toMatchObject({ count: 100, errors: 0 });
    }
    // The last point left three healthy members.
    const st = await cli(['cluster', 'status', '--json', '-i', inv]);
    expect(st.code, st.stderr).toBe(0);
    expect((JSON.parse(st.stdout) as { healthy: boolean }[]).map((x) => x.healthy)).toEqual([true, true, true]);
  });

  it('cluster logs shows a member\'s log; an unknown member is bad input', async () => {
    const r = await cli(['cluster', 'logs', 'host-2', '-i', inv, '-n', '5']);
    expect(r.code).toBe(0);
    // The lines are host-2's own etcd log (the supervisor's log in its work dir), not another member's.
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    const logFiles = (readdirSync(hosts[1]!.workDir, { recursive: true }) as string[]).filter((f) => f.endsWith('service.log') && f.includes('etcd'));
    const own = logFiles.map((f) => readFileSync(path.join(hosts[1]!.workDir, f), 'utf8'));
    expect(own.some((text) => lines.every((l) => text.includes(l)))).toBe(true);
    expect(lines.some((l) => l.includes('"caller"'))).toBe(true); // etcd's own (zap) log lines
    const bad = await cli(['cluster', 'logs', 'nope', '-i', inv]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('one of: host-1, host-2, host-3');
  });

  it('a member whose host lost everything: up refuses at once and names replace; replace rebuilds it, caught up; a run counts what etcd counts', async () => {
    type Status = { name: string; healthy: boolean; status?: { memberId: string } };
    const statusOf = async () => JSON.parse((await cli(['cluster', 'status', '--json', '-i', inv])).stdout) as Status[];
    const before = await statusOf();
    const oldId = before.find((m) => m.name === 'host-2')?.status?.memberId;
    expect(oldId).toMatch(/^[0-9a-f]+$/);
    // "Re-imaged": every process of host-2 killed (its supervisor first), its whole work directory gone.
    const w = hosts[1]!.workDir;
    for (const pid of pidsMentioning(`${w}/`)) process.kill(pid, 'SIGKILL');
    expect(await eventually(() => pidsMentioning(`${w}/`).length === 0)).toBe(true);
    rmSync(w, { recursive: true, force: true });

    const up = await cli(['cluster', 'up', '-i', inv]);
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toContain('E_MEMBER_ALREADY_BOOTSTRAPPED');
    expect(up.stderr).toContain(`fix: etcdlab cluster replace host-2 -i ${inv}`);
    // Its service was stopped again: no etcd restart loop is left behind.
    expect(await eventually(() => pidsMentioning(`${w}/etcd/`).length === 0)).toBe(true);

    const t0 = Date.now();
    const r = await cli(['cluster', 'replace', 'host-2', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    const said = /member host-2 replaced: new member id ([0-9a-f]+), healthy and caught up \(applied index [\d,]+\) ([\d.]+) s after it joined/.exec(r.stderr);
    expect(said, r.stderr).not.toBeNull();
    console.log(`[cluster replace, loopback + TLS] ${((Date.now() - t0) / 1000).toFixed(1)} s for the command, ${said![2]} s from joining to caught up`);
    const after = await statusOf();
    expect(after.map((m) => `${m.name}:${m.healthy}`)).toEqual(['host-1:true', 'host-2:true', 'host-3:true']);
    expect(after.find((m) => m.name === 'host-2')?.status?.memberId).toBe(said![1]);
    expect(said![1]).not.toBe(oldId);
    // Its configuration is what up writes: up again changes nothing and restarts nobody.
    const again = await cli(['cluster', 'up', '-i', inv]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\[host-2\].*already running/);
    expect(again.stderr).not.toMatch(/restart \(configuration changed\)/);
    // Replacing an unknown member is bad input.
    const bad = await cli(['cluster', 'replace', 'nope', '-i', inv]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no etcd member nope');

    // host-2's monitor went with its disk: installed again, then a run whose counts match etcd's.
    expect((await cli(['agents', 'install', '-i', inv])).code).toBe(0);
    const wl = path.join(scratch, 'after-replace.yaml');
    writeFileSync(wl, 'name: after-replace\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 4, total: 600, value: { size: 64 } }\n');
    const run = await cli(['run', '-i', inv, '-w', wl, '--json', '--results', path.join(scratch, 'replace-results')]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.phases[0]?.all).toMatchObject({ count: 600, errors: 0 });
    expect(summary.phases[0]?.witness).toMatchObject({ etcdWrites: 600, agentWrites: 600, status: 'equal' });
  }, 300_000);

  it('clean removes every service, process and file; a second clean is a no-op', async () => {
    const r = await cli(['cluster', 'clean', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    for (const w of workDirs()) {
      expect(await eventually(() => pidsMentioning(`${w}/`).length === 0), `processes left in ${w}`).toBe(true);
      expect(existsSync(w), `${w} still exists`).toBe(false);
    }
    expect(existsSync(path.join(scratch, 'state', 'ssh', 'lo'))).toBe(false);
    const again = await cli(['cluster', 'clean', '-i', inv]);
    expect(again.code, again.stderr).toBe(0);
  });
});

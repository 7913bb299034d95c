/**
 * End to end on real systemd hosts (scripts/testbed/systemd-hosts.sh: Debian containers with systemd as
 * PID 1 and sshd, no Node.js, no etcd): 3 etcd members and 1 load-agent host deployed as systemd services
 * over SSH, the installed units pass `systemd-analyze verify` on the hosts, a short run completes with
 * merged results, a run survives its agent service being SIGKILLed and its host container restarted
 * mid-phase, a run whose coordinator is SIGKILLed is completed by `run --resume`, a member host re-imaged is refused by `up` and rebuilt by `cluster replace`, and `cluster clean` leaves no unit, process or data behind. sys-2 (a member) and sys-4
 * (the agent host) are reached as a non-root user with `sudo -n`, as sites without root logins do; the
 * others as root.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.js';
import { freePortOn, inventoryYaml, type TestHost } from './helpers/ssh-deploy.js';

const script = path.join(repoRoot, 'scripts', 'testbed', 'systemd-hosts.sh');
let scratch: string;
let inv: string;
let vars: Record<string, string>;
let hosts: TestHost[];
const testbedEnv = () => ({ ...process.env, ETCDLAB_SYSTEMD_HOSTS_DIR: path.join(scratch, 'hosts'), ETCDLAB_SYSTEMD_HOSTS_PREFIX: 'etcdlab-e2e' });
const cli = (args: string[], timeoutMs = 240_000) => runCli(args, { env: { ETCDLAB_STATE_DIR: path.join(scratch, 'state') }, timeoutMs });

function sh(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

/** A command on a test host through the real OpenSSH client, with the test key and known_hosts. */
const onHost = (address: string, command: string) =>
  sh('ssh', ['-i', vars.key as string, '-o', `UserKnownHostsFile=${vars.known_hosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${address}`, command], process.env, 60_000);

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-systemd-e2e-'));
  const started = await sh('bash', [script, 'start', '4'], testbedEnv(), 420_000);
  if (started.code !== 0) throw new Error(`scripts/testbed/systemd-hosts.sh start 4 failed (it needs root, docker.io and debootstrap; it installs them on Debian as root):\n${started.stderr}`);
  vars = Object.fromEntries(started.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  hosts = (vars.hosts as string).split(',').map((kv, i) => {
    const [name, address] = kv.split('=') as [string, string];
    const viaSudo = i === 1 || i === 3;
    return { name, address, roles: i < 3 ? ['etcd', 'monitor'] : ['agent'], workDir: '/var/lib/etcdlab', ...(viaSudo ? { user: vars.sudo_user as string } : {}) };
  });
  inv = path.join(scratch, 'inventory.yaml');
  writeFileSync(
    inv,
    inventoryYaml({
      name: 'systemd-e2e',
      ssh: { user: 'root', port: 22, identityFile: vars.key as string, knownHostsFile: vars.known_hosts as string },
      // This machine on the private dockerd's bridge.
      coordinator: { address: '198.18.0.1', port: await freePortOn(['198.18.0.1']) },
      hosts,
      cluster: { name: 'e2e', clientPort: 2379, peerPort: 2380 },
    }),
  );
}, 480_000);

afterAll(async () => {
  if (inv) await cli(['cluster', 'clean', '-i', inv]).catch(() => undefined);
  if (scratch) {
    await sh('bash', [script, 'stop'], testbedEnv(), 120_000);
    rmSync(scratch, { recursive: true, force: true });
  }
}, 300_000);

describe('systemd hosts over SSH', () => {
  it('hosts check: every host reached (root and the sudo user), systemd found, the disk probed', async () => {
    // sys-4 already has a work directory of root's: the check must leave it alone and only warn.
    await onHost(hosts[3]!.address, 'mkdir -p /var/lib/etcdlab && chmod 755 /var/lib/etcdlab');
    const r = await cli(['hosts', 'check', '-i', inv, '--json', '--fsync-size', '1m']);
    const report = JSON.parse(r.stdout) as {
      hosts: { name: string; user: string; reachable: boolean; systemd?: { mode: string }; fsync?: { method: string }; reasons: { level: string; check: string; message: string }[] }[];
    };
    expect(report.hosts.map((h) => [h.name, h.user, h.reachable, h.systemd?.mode]), JSON.stringify(report.hosts.map((h) => h.reasons))).toEqual(
      hosts.map((h) => [h.name, h.user ?? 'root', true, 'systemd']),
    );
    const sys4 = report.hosts[3]!;
    expect(sys4.reasons.find((x) => x.check === 'disk')?.message).toMatch(/not writable by etcdops yet: deployment hands it over/);
    expect((await onHost(hosts[3]!.address, 'stat -c %U /var/lib/etcdlab; ls -A /var/lib/etcdlab')).stdout.trim()).toBe('root');
    for (const h of report.hosts.slice(0, 3)) {
      expect(h.fsync?.method, h.name).toBeDefined();
      // Load and the probe's speed depend on this machine; reaching, probing and systemd must not fail.
      expect(h.reasons.filter((x) => x.level === 'fail' && ['reach', 'probe', 'systemd', 'disk'].includes(x.check)), h.name).toEqual([]);
    }
  });

  it('cluster up: 3 members as systemd units, healthy; the units verify on the hosts', async () => {
    const r = await cli(['cluster', 'up', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    for (const h of hosts.slice(0, 3)) expect(r.stderr).toContain(`[${h.name}] systemd, amd64`);
    const status = await cli(['cluster', 'status', '-i', inv, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const reports = JSON.parse(status.stdout) as { name: string; healthy: boolean; state: string }[];
    expect(reports.map((x) => `${x.name}:${x.healthy}`)).toEqual(['sys-1:true', 'sys-2:true', 'sys-3:true']);
    expect(reports[0]!.state).toMatch(/^running \(systemd, pid \d+/);
    for (const h of hosts.slice(0, 3)) {
      const verify = await onHost(h.address, 'systemd-analyze verify /etc/systemd/system/etcdlab-e2e-etcd.service 2>&1; echo "exit=$?"');
      expect(verify.stdout.trim(), h.name).toBe('exit=0');
      const applied = await onHost(h.address, 'pid=$(systemctl show -p MainPID --value etcdlab-e2e-etcd); ionice -p "$pid"; systemctl show -p Restart --value etcdlab-e2e-etcd; systemctl is-enabled etcdlab-e2e-etcd');
      expect(applied.stdout.trim().split('\n')).toEqual(['best-effort: prio 0', 'on-failure', 'enabled']);
    }
    // sys-2 was deployed by the sudo user, who owns its work directory; sys-1 by root.
    const who = async (h: TestHost) => (await onHost(h.address, `journalctl -u ssh --no-pager | grep -c 'Accepted publickey for ${vars.sudo_user} '; stat -c %U /var/lib/etcdlab`)).stdout.trim().split('\n');
    expect(await who(hosts[1]!)).toEqual([expect.stringMatching(/^[1-9]\d*$/), vars.sudo_user]);
    expect(await who(hosts[0]!)).toEqual(['0', 'root']);
    // The journal of a member deployed by the sudo user, read through sudo -n journalctl.
    const logs = await cli(['cluster', 'logs', 'sys-2', '-i', inv, '-n', '2000']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('"msg":"starting an etcd server"');
    expect(logs.stdout).toContain('"name":"sys-2"');
  });

  it('agents install: the agent arrives with its Node.js runtime as a systemd service', async () => {
    const r = await cli(['agents', 'install', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[sys-4\] systemd; Node\.js v[\d.]+ uploaded/);
    const status = await cli(['agents', 'status', '-i', inv, '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout) as { id: string; state: string; mode: string }[];
    expect(rows.map((x) => `${x.id}:${x.state}:${x.mode}`)).toEqual(['sys-1-monitor:running:systemd', 'sys-2-monitor:running:systemd', 'sys-3-monitor:running:systemd', 'sys-4:running:systemd']);
    const verify = await onHost(hosts[3]!.address, 'systemd-analyze verify /etc/systemd/system/etcdlab-e2e-agent.service 2>&1; echo "exit=$?"; stat -c %a /var/lib/etcdlab/agent/agent.env');
    expect(verify.stdout.trim().split('\n')).toEqual(['exit=0', '600']);
  });

  it('run -i: a short run with merged results', async () => {
    const results = path.join(scratch, 'results');
    const r = await cli(['run', '-i', inv, '-w', 'workloads/smoke.yaml', '--json', '--results', results]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.integrity.ok).toBe(true);
    expect(summary.phases.map((p) => [p.name, p.all.errors])).toEqual([['writes', 0], ['reads', 0], ['open-loop-mixed', 0]]);
    expect(summary.phases[0]!.all.count).toBe(400);
    const manifest = JSON.parse(readFileSync(path.join(summary.runDir, 'manifest.json'), 'utf8')) as { agents: { agentId: string; host: string }[]; monitors: { connected: boolean }[] };
    expect(manifest.agents.map((a) => `${a.agentId}@${a.host}`)).toEqual(['sys-4@sys-4']);
    expect(manifest.monitors.every((m) => m.connected)).toBe(true);
  });

  it('a workload\'s faults on systemd hosts: the leader SIGKILLed through systemd and started again, a follower paused and resumed (one reached through sudo), checked on the hosts', async () => {
    const wl = path.join(scratch, 'member-faults.yaml');
    writeFileSync(wl, `name: member-faults
phases:
  - name: put-faults
    ops: { put: 1 }
    clients: 8
    duration: 16s
    deadline: 2s
    faults:
      - { action: kill, target: leader, at: 3s, for: 4s }
      - { action: pause, target: follower, at: 10s, for: 3s }
`);
    const r = await cli(['run', '-i', inv, '-w', wl, '--json', '--results', path.join(scratch, 'results-member-faults')]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    const [kill, pause] = s.phases[0]?.faults?.windows ?? [];
    expect(kill, r.stderr).toMatchObject({ action: 'kill', target: 'leader' });
    expect(kill?.error, kill?.statement).toBeUndefined();
    expect(kill?.members).toEqual([kill?.leaderBefore]);
    expect(kill?.leaderAfter, kill?.statement).not.toBe(kill?.leaderBefore);
    expect(kill?.electionMs, kill?.statement).toBeGreaterThan(0);
    expect(kill?.backMs, kill?.statement).toBeGreaterThanOrEqual(0);
    expect(kill?.writeGapMs, kill?.statement).toBeGreaterThan(0);
    expect(kill?.writeGapMs, kill?.statement).toBeLessThan(3 * 1000 + 2000 + 1000);
    expect(pause, r.stderr).toMatchObject({ action: 'pause', target: 'follower' });
    expect(pause?.error, pause?.statement).toBeUndefined();
    expect(s.phases[0]?.faults?.durability?.lost).toBe(0);
    expect(s.phases[0]?.faults?.durability?.checked).toBeGreaterThan(0);
    // On the hosts: every member's unit active with one running (not stopped) etcd, the killed one
    // started again by etcdlab (its main process is new), nothing left paused.
    for (const h of hosts.slice(0, 3)) {
      const st = await onHost(h.address, 'systemctl is-active etcdlab-e2e-etcd; ps -o stat= -p "$(systemctl show -p MainPID --value etcdlab-e2e-etcd)"');
      const [active, stat] = st.stdout.trim().split(/\s+/);
      expect(active, `${h.name}: ${st.stdout}${st.stderr}`).toBe('active');
      expect(stat, `${h.name}: process state`).toMatch(/^[RS]/);
    }
    const status = await cli(['cluster', 'status', '-i', inv], 60_000);
    expect(status.code, status.stdout + status.stderr).toBe(0);
  });

  it('link faults on systemd hosts through nftables: a member reached through sudo cut off from its peers, a share of the leader\'s peer packets dropped, a table a dead coordinator left cleared; checked on the hosts while it runs and after', async () => {
    const check = await cli(['hosts', 'check', '-i', inv, '--json', '--fsync-size', '23000'], 120_000);
    const report = JSON.parse(check.stdout) as { hosts: { name: string; faults?: { can: string[]; cannot: { action: string; why: string }[] } }[] };
    for (const h of report.hosts.filter((x) => x.name !== 'sys-4')) expect(h.faults?.can, `${h.name}: ${check.stderr}`).toEqual(['kill', 'stop', 'pause', 'partition', 'drop']);
    expect(report.hosts.find((x) => x.name === 'sys-2')?.faults?.cannot.map((c) => c.action)).toEqual(['delay']);
    expect(report.hosts.find((x) => x.name === 'sys-4')?.faults).toBeUndefined(); // an agent host has no member
    const planted = await onHost(hosts[2]!.address, 'nft add table inet etcdlab_fault && nft list tables');
    expect(planted.stdout, planted.stderr).toContain('etcdlab_fault');
    const wl = path.join(scratch, 'link-faults.yaml');
    writeFileSync(wl, `name: link-faults
phases:
  - name: put-links
    ops: { put: 1, get: 1 }
    clients: 8
    duration: 14s
    deadline: 2s
    faults:
      - { action: partition, target: sys-2, from: peers, at: 2s, for: 4s }
      - { action: drop, target: leader, share: 0.3, at: 8s, for: 3s }
`);
    // While the run goes on, which hosts hold the fault table (polled through OpenSSH, as root).
    const seen = new Map<string, string>();
    let running = true;
    const watch = (async () => {
      while (running) {
        for (const h of hosts.slice(0, 3)) {
          const t = await onHost(h.address, "nft list ruleset 2>/dev/null | sed -n '/^table inet etcdlab_fault/,/^}/p'");
          if (t.stdout.includes('drop')) seen.set(h.name, t.stdout);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const r = await cli(['run', '-i', inv, '-w', wl, '--json', '--results', path.join(scratch, 'results-link-faults')]);
    running = false;
    await watch;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cleared a link fault an earlier coordinator left on sys-3');
    const s = JSON.parse(r.stdout) as RunSummary;
    const [cut, drop] = s.phases[0]?.faults?.windows ?? [];
    expect(cut, r.stderr).toMatchObject({ action: 'partition', target: 'sys-2', members: ['sys-2'] });
    expect(cut?.error, cut?.statement).toBeUndefined();
    expect(drop, r.stderr).toMatchObject({ action: 'drop', target: 'leader' });
    expect(drop?.error, drop?.statement).toBeUndefined();
    expect(s.phases[0]?.faults?.durability?.lost).toBe(0);
    // The cut on sys-2 (through sudo) was in place: its own address, the peer port, both ways.
    expect(seen.get('sys-2'), [...seen.keys()].join(',')).toMatch(new RegExp(`ip daddr ${hosts[1]!.address.replace(/\./g, '\\.')} tcp dport 2380 drop`));
    expect(seen.get('sys-2')).toContain('table inet etcdlab_fault_sys-2');
    expect([...seen.values()].some((t) => /numgen random mod 1000000 < 300000 drop/.test(t)), 'the drop table was seen on the leader').toBe(true);
    // Afterwards no host holds a fault table, and the cluster is healthy.
    for (const h of hosts.slice(0, 3)) {
      const t = await onHost(h.address, 'nft list tables');
      expect(t.stdout, h.name).not.toContain('etcdlab_fault');
    }
    const status = await cli(['cluster', 'status', '-i', inv], 60_000);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    console.log(`[systemd link faults] ${cut?.statement}; ${drop?.statement}`);
    // The same as a drill: sys-3 cut off from its peers for 2 s, then healed; no table left.
    const drill = await cli(['fault', 'partition', 'sys-3', '--from', 'peers', '--for', '2s', '-i', inv, '--json'], 90_000);
    expect(drill.code, drill.stderr).toBe(0);
    expect((JSON.parse(drill.stdout) as { members: string[] }).members).toEqual(['sys-3']);
    expect(drill.stderr).toContain('fault undone: links restored for sys-3');
    expect((await onHost(hosts[2]!.address, 'nft list tables')).stdout).not.toContain('etcdlab_fault');
  });

  it('run -i with faults: the agent service SIGKILLed, then its host container restarted, mid-phase: the run completes, both restarts are stated, the witness holds', async () => {
    const results = path.join(scratch, 'results-fault');
    const wl = path.join(scratch, 'fault.yaml');
    writeFileSync(wl, 'name: fault\nphases:\n  - name: writes\n    ops: { put: 1 }\n    clients: 8\n    duration: 40s\n    keys: { prefix: fault, distribution: uniform, space: 1000 }\n  - name: after\n    ops: { put: 1 }\n    clients: 4\n    total: 400\n    keys: { prefix: fault-after, distribution: sequential, space: 400 }\n');
    const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'run', '-i', inv, '-w', wl, '--json', '--results', results], { cwd: repoRoot, env: { ...process.env, ETCDLAB_STATE_DIR: path.join(scratch, 'state') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Bounded waits on what the coordinator wrote: the agent's first intervals of the phase, then its rejoin.
    const intervals = () => {
      const [runId] = existsSync(results) ? readdirSync(results) : [];
      const f = runId ? path.join(results, runId, 'agents', 'sys-4.intervals.jsonl') : '';
      return f && existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { phase: string; instance: string }) : [];
    };
    const until = async (what: string, ok: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(ok(), `${what} within ${ms / 1000} s: ${stderr}`).toBe(true);
    };
    const instances = () => new Set(intervals().filter((l) => l.phase === 'writes').map((l) => l.instance)).size;
    await until('sys-4 reports intervals of phase writes', () => intervals().filter((l) => l.phase === 'writes').length >= 3, 90_000);
    await onHost(hosts[3]!.address, 'systemctl kill -s KILL etcdlab-e2e-agent');
    await until('the restarted agent (a new instance) reports', () => instances() >= 2, 20_000);
    // The host itself: its container restarted (same disk, same address), the agent started at boot.
    const docker = await sh('bash', [path.join(repoRoot, 'scripts', 'testbed', 'dockerd.sh'), 'status'], process.env, 10_000);
    const restarted = await sh('docker', ['restart', '-t', '5', 'etcdlab-e2e-4'], { ...process.env, DOCKER_HOST: `unix://${docker.stdout.trim()}` }, 60_000);
    expect(restarted.code, restarted.stderr).toBe(0);
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as RunSummary;
    const writes = summary.phases.find((p) => p.name === 'writes')!;
    // The figures of the fault run, for the notes (docs/resilience.md).
    console.log(`[systemd fault run] writes: ${writes.witness?.statement}; ${summary.warnings.filter((w) => w.includes('restarted')).join('; ')}`);
    expect(writes.outcome).toBe('completed');
    expect(summary.warnings.filter((w) => /agent sys-4 restarted during phase writes .* and rejoined it/.test(w)), summary.warnings.join('\n')).toHaveLength(2);
    expect(instances()).toBe(3);
    expect(['equal', 'within-window']).toContain(writes.witness?.status);
    expect(-writes.witness!.difference).toBeLessThanOrEqual(writes.witness!.allowance);
    expect(summary.phases.find((p) => p.name === 'after')!.witness).toMatchObject({ etcdWrites: 400, agentWrites: 400, status: 'equal' });
    expect(summary.integrity.ok).toBe(true);
  }, 300_000);

  it('the coordinator SIGKILLed mid-phase, then run --resume: the agent service went on and resends its spool; the run completes with etcd\'s writes accounted for and the gap stated', async () => {
    const results = path.join(scratch, 'results-resume');
    const wl = path.join(scratch, 'resume.yaml');
    writeFileSync(wl, 'name: resume\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 8, duration: 30s, keys: { prefix: resume, distribution: uniform, space: 1000 } }\n  - { name: after, ops: { put: 1 }, clients: 4, total: 400, keys: { prefix: resume-after, distribution: sequential, space: 400 } }\n');
    const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'run', '-i', inv, '-w', wl, '--json', '--results', results], { cwd: repoRoot, env: { ...process.env, ETCDLAB_STATE_DIR: path.join(scratch, 'state') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const runDir = () => {
      const [runId] = existsSync(results) ? readdirSync(results) : [];
      return runId ? path.join(results, runId) : '';
    };
    const reported = () => {
      const f = runDir() ? path.join(runDir(), 'agents', 'sys-4.intervals.jsonl') : '';
      return f && existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"phase":"writes"')).length : 0;
    };
    const deadline = Date.now() + 90_000;
    while (reported() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(reported(), `sys-4 reports intervals of phase writes within 90 s: ${stderr}`).toBeGreaterThanOrEqual(3);
    child.kill('SIGKILL');
    await exited;
    // Away for a while: the agent keeps the load going and its reports in its spool.
    await new Promise((r) => setTimeout(r, 6000));
    const r = await cli(['run', '--resume', runDir(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    const writes = summary.phases.find((p) => p.name === 'writes')!;
    const gap = summary.warnings.find((w) => w.startsWith('the coordinator was away for'));
    console.log(`[systemd coordinator resume] writes: ${writes.witness?.statement}; ${gap}`);
    expect(gap, summary.warnings.join('\n')).toMatch(/away for \d+\.\d s .* during phase writes\) and the run was resumed; \d+ interval report\(s\) of that time came from the agents' spools/);
    expect(writes.outcome).toBe('completed');
    expect(writes.witness!.etcdWrites).toBeGreaterThan(1000);
    expect(writes.witness!.agentWrites / writes.witness!.etcdWrites).toBeGreaterThanOrEqual(0.999);
    expect(summary.phases.find((p) => p.name === 'after')!.witness).toMatchObject({ etcdWrites: 400, agentWrites: 400, status: 'equal' });
    expect(summary.integrity.ok).toBe(true);
  }, 300_000);

  it('a member host re-imaged (everything of etcdlab gone, rebooted, same address): up refuses within seconds naming replace; replace makes it healthy and caught up; a run counts what etcd counts', async () => {
    const sys3 = hosts[2]!;
    const wiped = await onHost(sys3.address, 'systemctl disable --now --quiet etcdlab-e2e-etcd etcdlab-e2e-monitor; rm -f /etc/systemd/system/etcdlab-e2e-*; systemctl daemon-reload; rm -rf /var/lib/etcdlab; echo done');
    expect(wiped.stdout.trim(), wiped.stderr).toBe('done');
    const docker = await sh('bash', [path.join(repoRoot, 'scripts', 'testbed', 'dockerd.sh'), 'status'], process.env, 10_000);
    const denv = { ...process.env, DOCKER_HOST: `unix://${docker.stdout.trim()}` };
    expect((await sh('docker', ['restart', '-t', '5', 'etcdlab-e2e-3'], denv, 60_000)).code).toBe(0);
    const addr = await sh('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'etcdlab-e2e-3'], denv, 10_000);
    expect(addr.stdout.trim(), 'the re-imaged host keeps its address').toBe(sys3.address);
    let sshUp = false;
    for (let i = 0; i < 60 && !sshUp; i++) {
      sshUp = (await onHost(sys3.address, 'systemctl is-active ssh')).stdout.trim() === 'active';
      if (!sshUp) await new Promise((r) => setTimeout(r, 500));
    }
    expect(sshUp, 'sshd on the re-imaged host within 30 s').toBe(true);

    const t0 = Date.now();
    const up = await cli(['cluster', 'up', '-i', inv]);
    const refusedAfter = (Date.now() - t0) / 1000;
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toContain('E_MEMBER_ALREADY_BOOTSTRAPPED');
    expect(up.stderr).toContain(`fix: etcdlab cluster replace sys-3 -i ${inv}`);
    expect((await onHost(sys3.address, 'systemctl is-active etcdlab-e2e-etcd')).stdout.trim()).not.toBe('active');

    const t1 = Date.now();
    const r = await cli(['cluster', 'replace', 'sys-3', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    const said = /member sys-3 replaced: new member id ([0-9a-f]+), healthy and caught up \(applied index [\d,]+\) ([\d.]+) s after it joined/.exec(r.stderr);
    expect(said, r.stderr).not.toBeNull();
    console.log(`[systemd re-image] up refused after ${refusedAfter.toFixed(1)} s; replace took ${((Date.now() - t1) / 1000).toFixed(1)} s, ${said![2]} s from joining to caught up`);
    const status = JSON.parse((await cli(['cluster', 'status', '-i', inv, '--json'])).stdout) as { name: string; healthy: boolean }[];
    expect(status.map((x) => `${x.name}:${x.healthy}`)).toEqual(['sys-1:true', 'sys-2:true', 'sys-3:true']);
    // Its monitor went with the disk.
    expect((await cli(['agents', 'install', '-i', inv])).code).toBe(0);
    const wl = path.join(scratch, 'after-replace.yaml');
    writeFileSync(wl, 'name: after-replace\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 4, total: 800, keys: { prefix: replaced, distribution: sequential, space: 800 } }\n');
    const run = await cli(['run', '-i', inv, '-w', wl, '--json', '--results', path.join(scratch, 'results-replace')]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.phases[0]?.witness).toMatchObject({ etcdWrites: 800, agentWrites: 800, status: 'equal' });
  }, 400_000);

  it('cluster clean leaves no unit, process or data on any host', async () => {
    const r = await cli(['cluster', 'clean', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    for (const h of hosts) {
      const left = await onHost(
        h.address,
        'find /etc/systemd /var/lib -name "*etcdlab*" 2>/dev/null; systemctl list-units --all --no-legend "etcdlab*"; ps -eo args | grep -E "etcd|etcdlab|node" | grep -v grep; echo end',
      );
      expect(left.stdout.trim(), h.name).toBe('end');
    }
  });
});

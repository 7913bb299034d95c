/**
 * Link faults and crash recovery on real systemd hosts (scripts/testbed/systemd-hosts.sh): what a
 * coordinator that died during a fault leaves (a member SIGSTOPped, a partition table) is cleared before
 * the health check of the next run without faults, by `cluster up`, `down` and `clean`; a member bound
 * to a secondary address (its dials leave from the primary) is cut off from its peers by the far-end
 * rules; two members' tables on one machine coexist and the undo of one leaves the other. sys-3's member
 * runs on an alias address of its container; sys-2 is reached through sudo.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LinkFault, parseInventory, type RunSummary } from '@etcdlab/common';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshMemberFaults } from '../src/cluster/ssh/member-faults.js';
import { runCli } from './helpers/cli.js';
import { freePortOn, inventoryYaml, type TestHost } from './helpers/ssh-deploy.js';

const script = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'scripts', 'testbed', 'systemd-hosts.sh');
const UNIT = 'etcdlab-rec-etcd';
let scratch: string;
let inv: string;
let vars: Record<string, string>;
let hosts: TestHost[];
let primary3: string;
const testbedEnv = () => ({ ...process.env, ETCDLAB_SYSTEMD_HOSTS_DIR: path.join(scratch, 'hosts'), ETCDLAB_SYSTEMD_HOSTS_PREFIX: 'etcdlab-rec' });
const cli = (args: string[], timeoutMs = 240_000) => runCli(args, { env: { ETCDLAB_STATE_DIR: path.join(scratch, 'state') }, timeoutMs });

function sh(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}
const onHost = (address: string, command: string) =>
  sh('ssh', ['-i', vars.key as string, '-o', `UserKnownHostsFile=${path.join(scratch, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${address}`, command], process.env, 60_000);
const host = (i: number) => hosts[i] as TestHost;
const tables = async (h: TestHost) => (await onHost(h.address, 'nft list tables')).stdout;
/** A partition a dead coordinator would have left: the host's peer port cut both ways. */
const plantCut = (h: TestHost, table: string) => onHost(h.address, `nft -f - <<'EOF'\ntable inet ${table} {\n chain input { type filter hook input priority -10; policy accept; tcp dport 2380 drop; tcp sport 2380 drop; }\n chain output { type filter hook output priority -10; policy accept; tcp dport 2380 drop; tcp sport 2380 drop; }\n}\nEOF`);
const pause = (h: TestHost) => onHost(h.address, `systemctl kill --signal=SIGSTOP --kill-who=main ${UNIT}`);
const mainState = async (h: TestHost) => (await onHost(h.address, `ps -o stat= -p "$(systemctl show -p MainPID --value ${UNIT})"`)).stdout.trim();
const health = async (h: TestHost) => fetch(`http://${h.address}:2379/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json() as Promise<{ health: string }>).then((j) => j.health === 'true', () => false);

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'etcdlab-fault-recovery-'));
  const started = await sh('bash', [script, 'start', '4'], testbedEnv(), 420_000);
  if (started.code !== 0) throw new Error(`scripts/testbed/systemd-hosts.sh start 4 failed (it needs root, docker.io and debootstrap):\n${started.stderr}`);
  vars = Object.fromEntries(started.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const addrs = (vars.hosts as string).split(',').map((kv) => kv.split('=')[1] as string);
  primary3 = addrs[2] as string;
  // sys-3's member on a secondary address of its container: its own dials leave from the primary one.
  const alias = `198.18.0.${200 + Math.floor(Math.random() * 50)}`;
  const known = readFileSync(vars.known_hosts as string, 'utf8');
  const key3 = known.split('\n').find((l) => l.startsWith(`${primary3} `))?.slice(primary3.length + 1);
  writeFileSync(path.join(scratch, 'known_hosts'), `${known}${alias} ${key3}\n`);
  const added = await onHost(primary3, `ip addr add ${alias}/24 dev eth0`);
  if (added.code !== 0) throw new Error(`cannot add ${alias} to sys-3: ${added.stderr}`);
  hosts = ['sys-1', 'sys-2', 'sys-3', 'sys-4'].map((name, i) => ({
    name,
    address: i === 2 ? alias : (addrs[i] as string),
    roles: i < 3 ? ['etcd'] : ['agent'],
    workDir: '/var/lib/etcdlab',
    ...(i === 1 ? { user: vars.sudo_user as string } : {}),
  }));
  inv = path.join(scratch, 'inventory.yaml');
  // The far-end test puts and reads through etcd's JSON gateway, which a config file leaves off unless asked.
  const yaml = (hs: TestHost[]) =>
    inventoryYaml({ name: 'fault-recovery', ssh: { user: 'root', port: 22, identityFile: vars.key as string, knownHostsFile: path.join(scratch, 'known_hosts') }, coordinator: { address: '198.18.0.1', port: 7380 }, hosts: hs, cluster: { name: 'rec', clientPort: 2379, peerPort: 2380 } }).replace(
      '  tls: false\n',
      '  tls: false\n  extraFlags: { enable-grpc-gateway: true }\n',
    );
  writeFileSync(inv, yaml(hosts).replace('port: 7380', `port: ${await freePortOn(['198.18.0.1'])}`));
  writeFileSync(path.join(scratch, 'same-machine.yaml'), yaml([host(2), { ...host(2), name: 'sys-3b', address: primary3 }]));
  const up = await cli(['cluster', 'up', '-i', inv]);
  if (up.code !== 0) throw new Error(`cluster up failed:\n${up.stderr}`);
  const agents = await cli(['agents', 'install', '-i', inv]);
  if (agents.code !== 0) throw new Error(`agents install failed:\n${agents.stderr}`);
}, 900_000);

afterAll(async () => {
  if (scratch) {
    await sh('bash', [script, 'stop'], testbedEnv(), 120_000);
    rmSync(scratch, { recursive: true, force: true });
  }
}, 300_000);

describe('faults on systemd hosts: crash recovery and per-member tables', () => {
  it('a member left paused and partition tables left behind: the next run without faults clears them before its health check and completes', async () => {
    expect((await pause(host(1))).code).toBe(0);
    expect((await plantCut(host(0), 'etcdlab_fault_sys-1')).code).toBe(0);
    expect((await onHost(host(2).address, 'nft add table inet etcdlab_fault')).code).toBe(0); // the old single table
    expect(await mainState(host(1))).toMatch(/^T/);
    // Without the clean-up the cluster has no quorum: only sys-3 is neither paused nor cut off.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await health(host(2)), 'sys-3 healthy without quorum').toBe(false);
    const wl = path.join(scratch, 'writes.yaml');
    writeFileSync(wl, 'name: writes\nphases:\n  - name: writes\n    ops: { put: 1 }\n    clients: 4\n    total: 200\n');
    const r = await cli(['run', '-i', inv, '-w', wl, '--json', '--results', path.join(scratch, 'results')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cleared a link fault an earlier coordinator left on sys-1 (nftables etcdlab_fault_sys-1)');
    expect(r.stderr).toContain('cleared a link fault an earlier coordinator left on sys-3 (nftables etcdlab_fault)');
    expect(r.stderr).toContain("resumed sys-2's member: an earlier coordinator left it paused (SIGSTOP)");
    expect(r.stderr).not.toMatch(/resumed sys-[13]/);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.phases[0]?.all.count).toBe(200);
    for (const h of hosts.slice(0, 3)) expect(await tables(h), h.name).not.toContain('etcdlab_fault');
    expect(await mainState(host(1))).toMatch(/^[RS]/);
  });

  it('cluster up clears a pause and a table left behind and gets healthy', async () => {
    expect((await pause(host(0))).code).toBe(0);
    expect((await plantCut(host(1), 'etcdlab_fault_sys-2')).code).toBe(0);
    const r = await cli(['cluster', 'up', '-i', inv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cleared a link fault an earlier coordinator left on sys-2 (nftables etcdlab_fault_sys-2)');
    expect(r.stderr).toContain("resumed sys-1's member");
    expect(await tables(host(1))).not.toContain('etcdlab_fault');
    for (const h of hosts.slice(0, 3)) expect(await health(h), h.name).toBe(true);
  });

  it('a member on a secondary address partitioned from its peers is cut off (its dials from the primary address too), and catches up once healed', async () => {
    const faults = sshMemberFaults(parseInventory(readFileSync(inv, 'utf8'), inv), pino({ level: 'silent' }), false);
    const prep = await faults.prepare?.(['partition']);
    expect(prep?.refusals).toEqual([]);
    const cut: LinkFault = { from: 'peers', cut: true, delayMs: 0, jitterMs: 0, dropShare: 0 };
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const key = `etcdlab-test/far-end-${Date.now()}`;
    const seenOnSys3 = async () => {
      const res = await fetch(`http://${host(2).address}:2379/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(key), serializable: true }), signal: AbortSignal.timeout(2000) });
      return ((await res.json()) as { kvs?: unknown[] }).kvs?.length === 1;
    };
    await faults.link('sys-3', cut);
    try {
      const table = (await onHost(primary3, 'nft list table inet etcdlab_fault_sys-3')).stdout;
      const far = /ip daddr \{ ([^}]+) \} tcp dport 2380 drop/.exec(table)?.[1]?.split(', ').sort();
      expect(far, table).toEqual([host(0).address, host(1).address].sort());
      // A write through sys-1 (retried while sys-1 and sys-2 elect a leader, should sys-3 have led).
      let put = false;
      let last = '';
      for (let i = 0; i < 40 && !put; i++) {
        last = await fetch(`http://${host(0).address}:2379/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64('v') }), signal: AbortSignal.timeout(5000) }).then(
          async (res) => `${res.status} ${await res.text()}`,
          (e: Error) => `${e.message} ${String(e.cause ?? '')}`,
        );
        put = /^200 /.test(last) && !last.includes('"error"');
        if (!put) await new Promise((r) => setTimeout(r, 500));
      }
      expect(put, `the put through sys-1: ${last}`).toBe(true);
      await new Promise((r) => setTimeout(r, 3000));
      expect(await seenOnSys3(), 'the partitioned member got the write').toBe(false);
    } finally {
      await faults.clearLink('sys-3');
    }
    let seen = false;
    for (let i = 0; i < 60 && !seen; i++) {
      seen = await seenOnSys3().catch(() => false);
      if (!seen) await new Promise((r) => setTimeout(r, 500));
    }
    expect(seen, 'sys-3 caught up after the undo').toBe(true);
    expect(await tables(host(2))).not.toContain('etcdlab_fault');
  });

  it('two members on one machine: their tables coexist, the undo of one leaves the other; a shared machine gets no far-end rules', async () => {
    const file = path.join(scratch, 'same-machine.yaml');
    const faults = sshMemberFaults(parseInventory(readFileSync(file, 'utf8'), file), pino({ level: 'silent' }), false);
    await faults.link('sys-3', { from: 'peers', cut: true, delayMs: 0, jitterMs: 0, dropShare: 0 });
    await faults.link('sys-3b', { from: 'peers', cut: false, delayMs: 0, jitterMs: 0, dropShare: 0.1 });
    try {
      const both = await tables(host(2));
      expect(both).toContain('table inet etcdlab_fault_sys-3\n');
      expect(both).toContain('table inet etcdlab_fault_sys-3b');
      const b = (await onHost(primary3, 'nft list table inet etcdlab_fault_sys-3b')).stdout;
      expect(b).toContain(`ip saddr ${primary3} tcp dport 2380 numgen random mod 1000000 < 100000 drop`);
      expect(b, 'no far-end set on a shared machine').not.toContain('{ ');
      await faults.clearLink('sys-3');
      const left = await tables(host(2));
      expect(left).not.toContain('table inet etcdlab_fault_sys-3\n');
      expect(left).toContain('table inet etcdlab_fault_sys-3b');
    } finally {
      await faults.clearLink('sys-3b');
      await faults.clearLink('sys-3');
    }
    expect(await tables(host(2))).not.toContain('etcdlab_fault');
  });

  it('cluster down and cluster clean clear a table left behind first', async () => {
    expect((await plantCut(host(1), 'etcdlab_fault_sys-2')).code).toBe(0);
    const down = await cli(['cluster', 'down', '-i', inv]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain('cleared a link fault an earlier coordinator left on sys-2 (nftables etcdlab_fault_sys-2)');
    expect(await tables(host(1))).not.toContain('etcdlab_fault');
    expect((await onHost(host(0).address, 'nft add table inet etcdlab_fault_sys-1')).code).toBe(0);
    const clean = await cli(['cluster', 'clean', '-i', inv]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toContain('cleared a link fault an earlier coordinator left on sys-1 (nftables etcdlab_fault_sys-1)');
    expect(await tables(host(0))).not.toContain('etcdlab_fault');
  });
});

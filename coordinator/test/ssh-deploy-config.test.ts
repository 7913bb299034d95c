import { type Inventory, parseInventory } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { agentServiceSpec, remoteAgents } from '../src/fleet/remote/agent-specs.js';
import { placementRecord } from '../src/cluster/ssh/source.js';
import { etcdConfig, renderEtcdConfig } from '../src/cluster/ssh/etcd-config.js';
import { etcdServiceSpec } from '../src/cluster/ssh/etcd-service.js';
import { archProblems, elfArch, parseReleaseName } from '../src/cluster/ssh/etcd-source.js';
import { nofileFor, parseNofileHard } from '../src/cluster/ssh/host-facts.js';
import { parseEtcdVersion } from '../src/cluster/ssh/install-etcd.js';
import { hostLayout } from '../src/cluster/ssh/layout.js';
import { initialCluster, sshMembers } from '../src/cluster/ssh/members.js';
import { memberSans } from '../src/cluster/ssh/pki.js';
import { upPlan } from '../src/cluster/ssh/plan.js';
import type { InputError } from '@etcdlab/common';
import { sshInventoryProblems } from '../src/cluster/ssh/validate.js';

const inventory = (extra = '', hosts?: string): Inventory =>
  parseInventory(
    `provider: ssh
coordinator: { address: 10.0.0.5, port: 7380 }
hosts:
${
  hosts ??
  `  - { name: e1, address: 10.0.0.11, roles: [etcd, monitor] }
  - { name: e2, address: etcd-2.lab, roles: [etcd] }
  - { name: e3, address: "fd00::13", roles: [etcd] }
  - { name: l1, address: 10.0.0.21, roles: [agent], workDir: /opt/etcdlab }`
}
cluster:
  name: lab
  etcd: { kind: local, path: /usr/bin/etcd }
  heartbeat: 50ms
  electionTimeout: 500
  quotaBackendBytes: 8589934592
  snapshotCount: 50000
${extra}`,
    'lab.yaml',
  );

describe('ssh provider: members and etcd configuration', () => {
  it('names members after their hosts and binds to IP literals only', () => {
    const m = sshMembers(inventory());
    expect(m.map((x) => x.name)).toEqual(['e1', 'e2', 'e3']);
    expect(m[0]).toMatchObject({ clientUrl: 'http://10.0.0.11:2379', listenClientUrl: 'http://10.0.0.11:2379', peerUrl: 'http://10.0.0.11:2380' });
    // A name is advertised but etcd cannot bind to it: every interface.
    expect(m[1]).toMatchObject({ clientUrl: 'http://etcd-2.lab:2379', listenClientUrl: 'http://0.0.0.0:2379', listenPeerUrl: 'http://0.0.0.0:2380' });
    expect(m[2]).toMatchObject({ clientUrl: 'http://[fd00::13]:2379', listenPeerUrl: 'http://[fd00::13]:2380' });
    expect(initialCluster(m)).toBe('e1=http://10.0.0.11:2380,e2=http://etcd-2.lab:2380,e3=http://[fd00::13]:2380');
  });

  it('writes every cluster setting under etcd\'s own flag names', () => {
    const inv = inventory('  token: lab-token\n  extraFlags: { auto-compaction-retention: "1h", max-request-bytes: 2097152 }');
    const members = sshMembers(inv);
    const cfg = etcdConfig(inv, members[0]!, members);
    expect(cfg).toMatchObject({
      name: 'e1',
      'data-dir': '/var/lib/etcdlab/etcd/data',
      'initial-cluster-token': 'lab-token',
      'initial-cluster-state': 'new',
      'heartbeat-interval': 50,
      'election-timeout': 500,
      'quota-backend-bytes': 8589934592,
      'snapshot-count': 50000,
      'auto-compaction-retention': '1h',
      'max-request-bytes': 2097152,
    });
    const text = renderEtcdConfig(cfg);
    expect(text).toContain('initial-cluster: e1=http://10.0.0.11:2380,e2=http://etcd-2.lab:2380,e3=http://[fd00::13]:2380');
    expect(text.startsWith('# Written by etcdlab')).toBe(true);
  });

  it('with TLS: https URLs, client certificates required on both sides, certificates for the host address', () => {
    const inv = inventory('  tls: true');
    const members = sshMembers(inv);
    expect(members[0]!.clientUrl).toBe('https://10.0.0.11:2379');
    const cfg = etcdConfig(inv, members[0]!, members, { caFile: '/w/ca.crt', certFile: '/w/server.crt', keyFile: '/w/server.key' });
    const side = { 'cert-file': '/w/server.crt', 'key-file': '/w/server.key', 'trusted-ca-file': '/w/ca.crt', 'client-cert-auth': true };
    expect(cfg['client-transport-security']).toEqual(side);
    expect(cfg['peer-transport-security']).toEqual(side);
    expect(memberSans(members[0]!)).toBe('IP:10.0.0.11,DNS:e1,DNS:localhost,IP:127.0.0.1');
    expect(memberSans(members[1]!)).toBe('DNS:etcd-2.lab,DNS:e2,DNS:localhost,IP:127.0.0.1');
  });

  it('refuses extraFlags that would override what etcdlab manages, and unsafe work directories', () => {
    const inv = inventory('  extraFlags: { listen-client-urls: "http://0.0.0.0:1" }\n  tls: true');
    const problems = sshInventoryProblems(inv);
    expect(problems.map((p) => p.field)).toEqual(['cluster.extraFlags.listen-client-urls']);
    expect(problems.every((p) => p.file === 'lab.yaml' && p.fix)).toBe(true);
    // System folders are refused when the inventory is read, by every command (inventory/grammar.ts).
    let refused: InputError | undefined;
    try {
      inventory('', `  - { name: e1, address: 10.0.0.11, roles: [etcd], workDir: /var/lib }\n  - { name: e2, address: 10.0.0.12, roles: [etcd], workDir: /srv/x }\n  - { name: e3, address: 10.0.0.13, roles: [etcd], workDir: "/" }`);
    } catch (err) {
      refused = err as InputError;
    }
    expect(refused?.problems.map((p) => p.field)).toEqual(['hosts[0].workDir', 'hosts[2].workDir']);
    expect(sshInventoryProblems(inventory())).toEqual([]);
  });

  it('lays out files under the work directory and names units after the cluster', () => {
    const inv = inventory();
    const l = hostLayout(inv.hosts[3]!);
    expect(l).toMatchObject({ workDir: '/opt/etcdlab', etcdBin: '/opt/etcdlab/etcd/bin/etcd', agentBundle: '/opt/etcdlab/agent/etcdlab-agent.cjs', svcScript: '/opt/etcdlab/bin/etcdlab-svc.sh' });
    const spec = etcdServiceSpec(inv, sshMembers(inv)[0]!, hostLayout(inv.hosts[0]!), '/var/lib/etcdlab/etcd/bin/etcd', { nofileHard: 20000 });
    expect(spec).toMatchObject({ name: 'etcdlab-lab-etcd', marker: '/var/lib/etcdlab/etcd/etcd.conf.yml', limitNoFile: 20000, ioBestEffort0: true });
    expect(spec.execStart).toEqual(['/var/lib/etcdlab/etcd/bin/etcd', '--config-file', '/var/lib/etcdlab/etcd/etcd.conf.yml']);
  });

  it('prints a dry-run plan with every host and its configuration', () => {
    const lines = upPlan(inventory(), 'upload /usr/bin/etcd');
    expect(lines[0]).toContain('nothing will be changed');
    for (const h of ['e1', 'e2', 'e3']) expect(lines.some((l) => l.startsWith(`[${h}]`))).toBe(true);
    expect(lines.join('\n')).toContain('| initial-cluster-state: new');
  });
});

describe('ssh provider: host facts and sources', () => {
  it('reads the hard open-files limit and caps what a unit asks for', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\n';
    expect(parseNofileHard(limits)).toBe(20000);
    expect(parseNofileHard('Max open files  unlimited unlimited files')).toBeUndefined();
    expect(nofileFor(65536, { nofileHard: 20000 })).toBe(20000);
    expect(nofileFor(65536, { nofileHard: undefined })).toBe(65536);
  });

  it('knows a binary\'s architecture from its ELF header and a release\'s from its name', () => {
    const elf = Buffer.alloc(20);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf.writeUInt16LE(0x3e, 18);
    expect(elfArch(elf)).toBe('amd64');
    elf.writeUInt16LE(0xb7, 18);
    expect(elfArch(elf)).toBe('arm64');
    expect(elfArch(Buffer.from('#!/bin/sh\nexit 0\n'))).toBeUndefined();
    expect(parseReleaseName('/x/etcd-v3.5.17-linux-arm64.tar.gz')).toEqual({ version: '3.5.17', arch: 'arm64' });
    expect(parseEtcdVersion('etcd Version: 3.4.23\nGit SHA: Not provided\nGo Version: go1.19.8')).toBe('3.4.23');
    const p = archProblems({ kind: 'release', tarball: 'x', sha256: 'y', arch: 'amd64', version: '3.5.17' }, [{ name: 'a', arch: 'amd64' }, { name: 'b', arch: 'arm64' }], 'lab.yaml');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ field: 'cluster.etcd', message: expect.stringContaining('host b is arm64') });
  });
});

describe('ssh provider: agents and placement', () => {
  it('gives load agents the host name and monitors <host>-monitor; the token stays in the env file', () => {
    const inv = inventory();
    const agents = remoteAgents(inv);
    expect(agents.map((a) => `${a.id}:${a.role}`)).toEqual(['e1-monitor:monitor', 'l1:agent']);
    const spec = agentServiceSpec(inv, agents[1]!, hostLayout(agents[1]!.host), { node: '/usr/bin/node', token: 's3cr3t-token' });
    expect(spec.env).toEqual({ ETCDLAB_COORDINATOR: 'http://10.0.0.5:7380', ETCDLAB_TOKEN: 's3cr3t-token' });
    expect(spec.execStart.join(' ')).not.toContain('s3cr3t-token');
    expect(spec.execStart).toContain('${ETCDLAB_COORDINATOR}');
    expect(spec.execStart.slice(-4)).toEqual(['--orphan-timeout', '0', '--spool-dir', '/opt/etcdlab/agent/agent.spool']);
    expect(spec.envFile).toBe('/opt/etcdlab/agent/agent.env');
  });

  it('records placement, including colocation allowed on purpose', () => {
    const inv = parseInventory(
      'provider: ssh\nallowColocation: true\ncoordinator: { address: 10.0.0.5 }\nhosts:\n  - { name: a, address: 10.0.0.1, roles: [etcd, agent] }\ncluster: { etcd: { kind: host } }\n',
      'x.yaml',
    );
    expect(placementRecord(inv)).toEqual({ allowColocation: true, colocated: ['a'], hosts: [{ name: 'a', address: '10.0.0.1', roles: ['etcd', 'agent'] }] });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { hostsWithRole, parseInventory } from '../src/inventory/load.js';

function problemsOf(yaml: string) {
  try {
    parseInventory(yaml, 'inv.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('E_INVENTORY_INVALID');
    expect((err as InputError).exitCode).toBe(2);
    return (err as InputError).problems;
  }
  throw new Error('expected the inventory to be refused');
}

const base = 'coordinator: { address: 10.0.0.5 }\nssh: { user: ops }\n';

describe('inventory', () => {
  it('the shipped example is valid and resolves SSH defaults per host', () => {
    const inv = parseInventory(readFileSync(new URL('../../inventory/lab.example.yaml', import.meta.url), 'utf8'), 'lab.example.yaml');
    expect(hostsWithRole(inv, 'etcd').map((h) => h.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(inv.hosts[3]).toMatchObject({ workDir: '/opt/etcdlab', ssh: { user: 'root', port: 22, identityFile: '~/.ssh/id_ed25519' } });
    expect(inv.hosts[0]!.workDir).toBe('/var/lib/etcdlab');
    expect(inv.cluster).toMatchObject({ heartbeat: 100, electionTimeout: 1000, tls: false });
  });

  it('refuses two members on one host, naming both entries', () => {
    const p = problemsOf(`${base}hosts:\n  - { name: a, address: 10.0.0.1, roles: [etcd] }\n  - { name: b, address: 10.0.0.1, roles: [etcd] }\n`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ file: 'inv.yaml', field: 'hosts[1].address' });
    expect(p[0]!.message).toContain('hosts[0]');
  });

  it('refuses an agent beside a member unless allowColocation says so on purpose', () => {
    const yaml = `${base}hosts:\n  - { name: a, address: 10.0.0.1, roles: [etcd, agent] }\n`;
    expect(problemsOf(yaml)[0]).toMatchObject({ field: 'hosts[0].roles', fix: expect.stringContaining('allowColocation: true') });
    expect(parseInventory(`allowColocation: true\n${yaml}`, 'inv.yaml').allowColocation).toBe(true);
  });

  it('collects schema problems at once with did-you-mean fixes', () => {
    const p = problemsOf(`${base}hosts:\n  - { name: a, adress: 10.0.0.1, roles: [etcd] }\n  - { name: b, address: 10.0.0.2, roles: [etc] }\ncluster: { heartbeat: fast }\n`);
    const fields = p.map((x) => x.field);
    expect(fields).toContain('hosts[0].adress');
    expect(fields).toContain('hosts[0].address');
    expect(fields).toContain('hosts[1].roles[0]');
    expect(fields).toContain('cluster.heartbeat');
    expect(p.find((x) => x.field === 'hosts[0].adress')?.fix).toBe('did you mean "address"?');
  });

  it('requires the coordinator address when agents must dial it, and sane timeouts', () => {
    const p = problemsOf('hosts:\n  - { name: a, address: 10.0.0.1, roles: [etcd, monitor] }\ncluster: { heartbeat: 100, electionTimeout: 300 }\n');
    expect(p.map((x) => x.field).sort()).toEqual(['cluster.electionTimeout', 'coordinator']);
  });
});

import type { Inventory } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { withEtcdMembers } from '../src/cluster/ssh/resize.js';

const inv = {
  source: 'lab.yaml',
  provider: 'ssh',
  hosts: [
    { name: 'a', address: '10.0.0.1', roles: ['etcd', 'monitor'] },
    { name: 'b', address: '10.0.0.2', roles: ['etcd'] },
    { name: 'c', address: '10.0.0.3', roles: ['etcd', 'agent'] },
    { name: 'd', address: '10.0.0.4', roles: ['agent'] },
  ],
} as unknown as Inventory;

describe('an ssh cluster of another size (sweep --members)', () => {
  it('keeps the first N etcd hosts as members and every other role', () => {
    const one = withEtcdMembers(inv, 1);
    expect(one.hosts.map((h) => [h.name, h.roles])).toEqual([
      ['a', ['etcd', 'monitor']],
      ['c', ['agent']],
      ['d', ['agent']],
    ]);
    expect(withEtcdMembers(inv, 3).hosts).toEqual(inv.hosts);
  });

  it('refuses a size the inventory cannot give, naming the file and the fix', () => {
    expect(() => withEtcdMembers(inv, 5)).toThrow(/lab\.yaml has 3 etcd host\(s\)/);
    expect(() => withEtcdMembers(inv, 0)).toThrow(/E_OPTION_INVALID|a cluster of 0/);
  });
});

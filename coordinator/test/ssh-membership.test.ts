import { ClusterError, parseInventory } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { ALREADY_BOOTSTRAPPED } from '../src/cluster/ssh/cluster-up.js';
import { etcdConfig } from '../src/cluster/ssh/etcd-config.js';
import { sshMembers } from '../src/cluster/ssh/members.js';
import { joiningInitialCluster, type ListedMember, replaceSteps } from '../src/cluster/ssh/membership.js';

const inv = parseInventory(
  `provider: ssh
coordinator: { address: 10.0.0.5, port: 7380 }
hosts:
  - { name: e1, address: 10.0.0.11, roles: [etcd] }
  - { name: e2, address: 10.0.0.12, roles: [etcd] }
  - { name: e3, address: 10.0.0.13, roles: [etcd] }
cluster: { name: lab, etcd: { kind: local, path: /usr/bin/etcd } }
`,
  'lab.yaml',
);
const members = sshMembers(inv);
const e2 = members[1]!;
const listed = (id: bigint, name: string, host: string): ListedMember => ({ id, name, peerUrls: [`http://${host}:2380`] });
const healthy = [listed(0x11n, 'e1', '10.0.0.11'), listed(0x12n, 'e2', '10.0.0.12'), listed(0x13n, 'e3', '10.0.0.13')];

describe('cluster replace: the membership change (pure)', () => {
  it('removes the old entry and adds anew when the member is listed under its name', () => {
    expect(replaceSteps(healthy, e2)).toEqual({ remove: healthy[1] });
  });

  it('an earlier replace that removed it: nothing to remove; one that also added it: the pending entry is reused, not added twice', () => {
    const removed = [healthy[0]!, healthy[2]!];
    expect(replaceSteps(removed, e2)).toEqual({});
    const pending = listed(0x99n, '', '10.0.0.12');
    expect(replaceSteps([...removed, pending], e2)).toEqual({ pending });
    // The old entry still there beside a pending one (interrupted between add and remove is impossible, but a
    // hand-made add is not): both are named.
    expect(replaceSteps([...healthy, pending], e2)).toEqual({ remove: healthy[1], pending });
  });

  it('finds the old entry by its peer URL when it was renamed', () => {
    const renamed = [healthy[0]!, listed(0x12n, 'old-name', '10.0.0.12'), healthy[2]!];
    expect(replaceSteps(renamed, e2).remove?.id).toBe(0x12n);
  });

  it('initial-cluster of the joining member: the current members and itself under its own name', () => {
    const after = [healthy[0]!, healthy[2]!, listed(0x99n, '', '10.0.0.12')];
    expect(joiningInitialCluster(after, e2, 'lab.yaml')).toBe('e1=http://10.0.0.11:2380,e3=http://10.0.0.13:2380,e2=http://10.0.0.12:2380');
    const twoUrls: ListedMember = { id: 0x11n, name: 'e1', peerUrls: ['http://10.0.0.11:2380', 'http://10.0.1.11:2380'] };
    expect(joiningInitialCluster([twoUrls], e2, 'lab.yaml')).toBe('e1=http://10.0.0.11:2380,e1=http://10.0.1.11:2380');
  });

  it('a stranger added and never started is refused with its id and the etcdctl command that removes it', () => {
    const stranger = listed(0xabcn, '', '10.0.0.77');
    let err: unknown;
    try {
      joiningInitialCluster([...healthy, stranger], e2, 'lab.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('E_MEMBER_REPLACE_FAILED');
    expect((err as ClusterError).problems?.[0]?.fix).toBe('remove it first: etcdctl member remove abc');
  });

  it('the joining configuration says existing with the given initial-cluster; the ordinary one says new with every member', () => {
    const join = etcdConfig(inv, e2, members, undefined, { initialCluster: 'e1=http://10.0.0.11:2380,e2=http://10.0.0.12:2380' });
    expect(join['initial-cluster-state']).toBe('existing');
    expect(join['initial-cluster']).toBe('e1=http://10.0.0.11:2380,e2=http://10.0.0.12:2380');
    const up = etcdConfig(inv, e2, members);
    expect(up['initial-cluster-state']).toBe('new');
    expect(up['initial-cluster']).toBe('e1=http://10.0.0.11:2380,e2=http://10.0.0.12:2380,e3=http://10.0.0.13:2380');
  });

  it("recognises etcd 3.4's refusal in a member's log (zap JSON), not other failures", () => {
    const line = '{"level":"fatal","ts":"2026-12-06T19:00:00.000Z","caller":"etcdmain/etcd.go:271","msg":"discovery failed","error":"member 8e9e05c52164694d has already been bootstrapped"}';
    expect(ALREADY_BOOTSTRAPPED.test(line)).toBe(true);
    expect(ALREADY_BOOTSTRAPPED.test('{"msg":"discovery failed","error":"couldn\'t find local name \\"e2\\" in the initial cluster configuration"}')).toBe(false);
  });
});

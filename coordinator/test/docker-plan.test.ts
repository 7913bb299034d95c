import { parseInventory } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { dockerConfig, parseMemory } from '../src/cluster/docker/config.js';
import { containerSpec } from '../src/cluster/docker/container-spec.js';
import { configHash, memberFlags, memberSpecs } from '../src/cluster/docker/members.js';
import { layoutPorts, planHostPorts } from '../src/cluster/docker/port-plan.js';

const inventory = (cluster: string, docker = 'socket: /tmp/x.sock') => parseInventory(`provider: docker\ncluster: ${cluster}\ndocker: { ${docker} }\n`, 'inv.yaml');

describe('docker port plan', () => {
  const none = () => undefined;

  it('follows the first seed: client 2379+2i, peer 2380+2i', () => {
    expect(layoutPorts(2379, 3)).toEqual([{ client: 2379, peer: 2380 }, { client: 2381, peer: 2382 }, { client: 2383, peer: 2384 }]);
    expect(planHostPorts({ members: 3, base: 2379, fixed: false, holderOf: none })).toEqual({ ok: true, ports: layoutPorts(2379, 3), moved: [] });
  });

  it('moves a member whose port is taken to the next free pair above the layout, and says why', () => {
    const held = new Map([[2381, 'in use by another program on 127.0.0.1'], [2387, 'container x']]);
    const plan = planHostPorts({ members: 3, base: 2379, fixed: false, holderOf: (p) => held.get(p) });
    expect(plan).toEqual({
      ok: true,
      ports: [{ client: 2379, peer: 2380 }, { client: 2385, peer: 2386 }, { client: 2383, peer: 2384 }],
      moved: [{ member: 'etcd-2', from: { client: 2381, peer: 2382 }, to: { client: 2385, peer: 2386 }, because: '2381: in use by another program on 127.0.0.1' }],
    });
  });

  it('a second cluster whose whole layout is taken gets a contiguous block after it', () => {
    const first = new Set([2379, 2380, 2381, 2382, 2383, 2384]);
    const plan = planHostPorts({ members: 3, base: 2379, fixed: false, holderOf: (p) => (first.has(p) ? 'etcdlab cluster a' : undefined) });
    expect(plan.ok && plan.ports).toEqual(layoutPorts(2385, 3));
    expect(plan.ok && plan.moved.map((m) => m.member)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
  });

  it('fixed ports fail with every conflict and move nothing', () => {
    const plan = planHostPorts({ members: 2, base: 3000, fixed: true, holderOf: (p) => (p === 3000 || p === 3003 ? 'x' : undefined) });
    expect(plan).toEqual({ ok: false, conflicts: [{ member: 'etcd-1', role: 'client', port: 3000, holder: 'x' }, { member: 'etcd-2', role: 'peer', port: 3003, holder: 'x' }] });
  });

  it('fixed ports beyond 65535 are conflicts; auto mode near the top fails when no pair is left', () => {
    const plan = planHostPorts({ members: 2, base: 65533, fixed: true, holderOf: none });
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.conflicts.map((c) => c.port)).toEqual([65536]);
    const auto = planHostPorts({ members: 1, base: 65534, fixed: false, holderOf: () => 'taken' });
    expect(auto.ok).toBe(false);
  });
});

describe('docker member configuration', () => {
  it('reads the inventory: image, ports fixed only with basePort, limits, socket', () => {
    const cfg = dockerConfig(inventory('{ name: lab, members: 5, etcd: { kind: image, image: "quay.io/coreos/etcd:v3.5.9" } }', 'socket: /run/d.sock, cpus: 1.5, memory: 512m'));
    expect(cfg).toMatchObject({ cluster: 'lab', image: 'quay.io/coreos/etcd:v3.5.9', defaultMembers: 5, basePort: 2379, portsFixed: false, network: 'lab-net', cpus: 1.5, memoryBytes: 512 * 1024 ** 2, socket: '/run/d.sock' });
    expect(dockerConfig(inventory('{ name: lab, basePort: 12000 }'))).toMatchObject({ basePort: 12000, portsFixed: true, image: 'etcdlab/etcd:latest', defaultMembers: 3 });
    expect(parseMemory('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('100')).toBe(100);
    expect(parseMemory('lots')).toBeUndefined();
  });

  it('refuses other etcd kinds, flags etcdlab sets itself and too little memory, all at once', () => {
    const inv = inventory('{ name: lab, etcd: { kind: host }, extraFlags: { name: x, heartbeat-interval: 5, auto-compaction-mode: periodic } }', 'memory: 16m');
    try {
      dockerConfig(inv);
      expect.unreachable();
    } catch (err) {
      const e = err as { code: string; exitCode: number; problems: { field: string; fix: string }[] };
      expect(e.code).toBe('E_INVENTORY_INVALID');
      expect(e.exitCode).toBe(2);
      expect(e.problems.map((p) => p.field)).toEqual(['cluster.etcd.kind', 'cluster.extraFlags.name', 'cluster.extraFlags.heartbeat-interval', 'docker.memory']);
      expect(e.problems[2]?.fix).toContain('heartbeat-interval');
    }
  });

  it('makes the flags: static bootstrap on container names, settings and extra flags from the inventory', () => {
    const cfg = dockerConfig(inventory('{ name: lab, heartbeat: 50ms, electionTimeout: 600, quotaBackendBytes: 4294967296, snapshotCount: 5000, extraFlags: { auto-compaction-retention: 1 } }'));
    const specs = memberSpecs(cfg, layoutPorts(2379, 3));
    expect(specs[1]).toEqual({ index: 2, name: 'etcd-2', container: 'lab-etcd-2', volume: 'lab-etcd-2-data', host: { client: 2381, peer: 2382 } });
    const flags = memberFlags(cfg, specs[1]!, { peers: specs, state: 'new', token: 't1' });
    expect(flags).toEqual([
      '--name=etcd-2', '--data-dir=/var/lib/etcd/data',
      '--listen-client-urls=http://0.0.0.0:2379', '--advertise-client-urls=http://lab-etcd-2:2379',
      '--listen-peer-urls=http://0.0.0.0:2380', '--initial-advertise-peer-urls=http://lab-etcd-2:2380',
      '--initial-cluster=etcd-1=http://lab-etcd-1:2380,etcd-2=http://lab-etcd-2:2380,etcd-3=http://lab-etcd-3:2380',
      '--initial-cluster-token=t1', '--initial-cluster-state=new', '--heartbeat-interval=50', '--election-timeout=600', '--logger=zap',
      '--quota-backend-bytes=4294967296', '--snapshot-count=5000', '--auto-compaction-retention=1',
    ]);
  });

  it('TLS members use https everywhere and require client certificates', () => {
    const cfg = dockerConfig(inventory('{ name: sec, tls: true, clientPort: 12379, peerPort: 12380 }'));
    const [m] = memberSpecs(cfg, layoutPorts(2379, 1));
    const flags = memberFlags(cfg, m!, { peers: [m!], state: 'existing', token: 't' });
    expect(flags).toContain('--listen-client-urls=https://0.0.0.0:12379');
    expect(flags).toContain('--initial-cluster=etcd-1=https://sec-etcd-1:12380');
    expect(flags).toContain('--initial-cluster-state=existing');
    expect(flags).toContain('--client-cert-auth=true');
    expect(flags).toContain('--peer-client-cert-auth=true');
    expect(flags).toContain('--trusted-ca-file=/etc/etcdlab/tls/ca.crt');
  });

  it('the container publishes on 127.0.0.1 only, mounts its volume, carries labels and limits', () => {
    const cfg = dockerConfig(inventory('{ name: lab }', 'cpus: 0.5, memory: 256m'));
    const [m] = memberSpecs(cfg, [{ client: 2391, peer: 2392 }]);
    const spec = containerSpec(cfg, m!, { peers: [m!], state: 'new', token: 'tok' });
    expect(spec).toMatchObject({ name: 'lab-etcd-1', Hostname: 'lab-etcd-1', Image: 'etcdlab/etcd:latest', Entrypoint: ['/usr/local/bin/etcd'] });
    expect(spec.HostConfig?.PortBindings).toEqual({ '2379/tcp': [{ HostIp: '127.0.0.1', HostPort: '2391' }], '2380/tcp': [{ HostIp: '127.0.0.1', HostPort: '2392' }] });
    expect(spec.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 256 * 1024 ** 2, NetworkMode: 'lab-net', Mounts: [{ Type: 'volume', Source: 'lab-etcd-1-data', Target: '/var/lib/etcd' }] });
    expect(spec.HostConfig?.Privileged).toBeUndefined();
    expect(spec.Labels).toMatchObject({ 'etcdlab.cluster': 'lab', 'etcdlab.member': 'etcd-1', 'etcdlab.client-port': '2391', 'etcdlab.peer-port': '2392', 'etcdlab.token': 'tok', 'etcdlab.tls': 'false' });
    expect(spec.Env).toEqual(['ETCDCTL_API=3', 'ETCDCTL_ENDPOINTS=http://127.0.0.1:2379']);
  });

  it('the config hash changes with settings, not with the size', () => {
    const a = dockerConfig(inventory('{ name: lab, members: 3 }'));
    expect(configHash(dockerConfig(inventory('{ name: lab, members: 5 }')))).toBe(configHash(a));
    expect(configHash(dockerConfig(inventory('{ name: lab, heartbeat: 200 }')))).not.toBe(configHash(a));
  });
});

describe('cluster sizes', () => {
  it('even sizes are warned about (every provider), odd ones are not', async () => {
    const { evenSizeWarning } = await import('../src/cluster/cluster-size.js');
    expect(evenSizeWarning(2)).toMatch(/^warning: 2 members tolerate no more failures than 1; odd sizes/);
    expect([1, 3, 5, 7].map(evenSizeWarning)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

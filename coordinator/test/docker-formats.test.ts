import { parseInventory } from '@etcdlab/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeDocument, composeYaml } from '../src/cluster/docker/compose.js';
import { dockerConfig } from '../src/cluster/docker/config.js';
import { demuxFrames, framesToLines } from '../src/cluster/docker/demux.js';
import { engineOptions } from '../src/cluster/docker/engine.js';
import { parseLdd, rootfsLayout, splitImageName } from '../src/cluster/docker/image-build.js';
import { memberFlags, memberSpecs } from '../src/cluster/docker/members.js';
import { memberSans } from '../src/cluster/docker/pki.js';
import { layoutPorts } from '../src/cluster/docker/port-plan.js';
import { overlaps, parseCidr, pickSubnet, preferredSubnet, routesFromProc } from '../src/cluster/docker/subnet.js';
import { packTar, tarHeader, unpackTar } from '../src/cluster/docker/tar.js';

const inventory = (cluster: string, docker = '') => parseInventory(`provider: docker\ncluster: ${cluster}\n${docker ? `docker: { ${docker} }\n` : ''}`, 'inv.yaml');

describe('tar', () => {
  it('round-trips files and folders, with modes and long paths', () => {
    const long = `${'deep/'.repeat(30)}file.txt`;
    const archive = packTar([
      { path: 'etc', type: 'dir', mode: 0o755 },
      { path: 'etc/key', mode: 0o600, data: Buffer.from('secret\n') },
      { path: long, mode: 0o644, data: Buffer.alloc(1000, 7) },
    ]);
    expect(archive.length % 512).toBe(0);
    const files = unpackTar(archive);
    expect(files.map((f) => [f.path, f.type, f.mode])).toEqual([['etc/', 'dir', 0o755], ['etc/key', 'file', 0o600], [long, 'file', 0o644]]);
    expect(files[1]?.data.toString()).toBe('secret\n');
    expect(files[2]?.data).toEqual(Buffer.alloc(1000, 7));
  });

  it('writes a valid ustar checksum', () => {
    const h = tarHeader({ path: 'a', type: 'file', mode: 0o644, size: 3, mtime: 0 });
    const stored = Number.parseInt(h.subarray(148, 154).toString(), 8);
    const copy = Buffer.from(h);
    copy.write('        ', 148);
    expect(copy.reduce((a, b) => a + b, 0)).toBe(stored);
    expect(h.subarray(257, 262).toString()).toBe('ustar');
  });

  it('reads PAX long names (as docker writes them)', () => {
    const name = 'x'.repeat(120);
    const record = ` path=${name}\n`;
    const len = String(record.length + 3).length + record.length;
    const pax = Buffer.from(`${len}${record}`);
    const paxHeader = tarHeader({ path: 'PaxHeader', type: 'file', mode: 0o644, size: pax.length });
    paxHeader.write('x', 156);
    const body = packTar([{ path: 'short', mode: 0o644, data: Buffer.from('hi') }]);
    const archive = Buffer.concat([paxHeader, pax, Buffer.alloc(512 - pax.length), body]);
    expect(unpackTar(archive).map((f) => f.path)).toEqual([name]);
  });
});

describe('docker stream demultiplexing', () => {
  /** One frame: stream byte, three zeros, big-endian payload length, payload. */
  const mk = (stream: number, text: string) => {
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([header, Buffer.from(text)]);
  };

  it('keeps stdout and stderr frames in order', () => {
    const frames = demuxFrames(Buffer.concat([mk(1, 'out 1\n'), mk(2, 'err 1\n'), mk(1, 'out 2\n')]));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([['stdout', 'out 1\n'], ['stderr', 'err 1\n'], ['stdout', 'out 2\n']]);
    expect(framesToLines(frames, 'etcd-1 | ')).toBe('etcd-1 | out 1\netcd-1 | err 1\netcd-1 | out 2\n');
  });

  it('passes raw (TTY) output through and prints nothing for an empty log', () => {
    expect(demuxFrames(Buffer.from('plain text\n')).map((f) => f.data.toString())).toEqual(['plain text\n']);
    expect(framesToLines([])).toBe('');
  });
});

describe('cluster network subnet', () => {
  it('stays inside 198.18.0.0/15, never the testbed bridge, and is stable per name', () => {
    const bench = parseCidr('198.18.0.0/15')!;
    for (const name of ['etcdlab', 'a', 'lab-2', 'x'.repeat(30)]) {
      const s = preferredSubnet(name);
      expect(overlaps(parseCidr(s)!, bench)).toBe(true);
      expect(s).not.toBe('198.18.0.0/24');
      expect(preferredSubnet(name)).toBe(s);
    }
  });

  it('skips subnets that overlap networks or routes in use', () => {
    const first = preferredSubnet('lab');
    expect(pickSubnet('lab', [])).toBe(first);
    const next = pickSubnet('lab', [first, '10.0.0.0/8']);
    expect(next).not.toBe(first);
    expect(pickSubnet('lab', ['198.18.0.0/15'])).toBeUndefined();
    expect(overlaps(parseCidr('198.18.4.0/22')!, parseCidr('198.18.5.0/24')!)).toBe(true);
    expect(overlaps(parseCidr('198.18.4.0/24')!, parseCidr('198.18.5.0/24')!)).toBe(false);
  });

  it('reads /proc/net/route', () => {
    const text = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
      'docker0\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
    expect(routesFromProc(text)).toEqual(['198.18.0.0/24']);
  });
});

describe('image build pieces', () => {
  it('parses ldd output: libraries and loader, nothing for static binaries, missing ones apart', () => {
    const out = '\tlinux-vdso.so.1 (0x00007ffd)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n';
    expect(parseLdd(out)).toEqual({ libs: ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'], missing: [] });
    expect(parseLdd('\tnot a dynamic executable\n').libs).toEqual([]);
    expect(parseLdd('\tlibfoo.so.1 => not found\n').missing).toEqual(['libfoo.so.1']);
  });

  it('lays out the root file system with every parent folder first', () => {
    const { files, dirs } = rootfsLayout({ etcd: '/usr/bin/etcd', etcdctl: '/usr/bin/etcdctl', shell: '/usr/bin/dash' }, ['/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(files.map((f) => f.target)).toEqual(['usr/local/bin/etcd', 'usr/local/bin/etcdctl', 'bin/sh', 'lib/x86_64-linux-gnu/libc.so.6', 'lib64/ld-linux-x86-64.so.2']);
    const names = dirs.map((d) => d.target);
    for (const d of ['tmp', 'etc', 'var', 'var/lib', 'var/lib/etcd', 'usr', 'usr/local', 'usr/local/bin', 'bin', 'lib', 'lib/x86_64-linux-gnu', 'lib64']) expect(names).toContain(d);
    expect(names.indexOf('usr')).toBeLessThan(names.indexOf('usr/local/bin'));
    expect(dirs.find((d) => d.target === 'tmp')?.mode).toBe(0o1777);
  });

  it('splits image names (registry ports are not tags)', () => {
    expect(splitImageName('etcdlab/etcd:3.4.23')).toEqual({ repo: 'etcdlab/etcd', tag: '3.4.23' });
    expect(splitImageName('127.0.0.1:5000/etcd')).toEqual({ repo: '127.0.0.1:5000/etcd', tag: 'latest' });
    expect(splitImageName('127.0.0.1:5000/etcd:v3')).toEqual({ repo: '127.0.0.1:5000/etcd', tag: 'v3' });
  });

  it('finds the engine: inventory socket, DOCKER_HOST, default', () => {
    expect(engineOptions('/x/docker.sock', {})).toEqual({ options: { socketPath: '/x/docker.sock' }, endpoint: 'unix:///x/docker.sock', local: true });
    expect(engineOptions(undefined, { DOCKER_HOST: 'unix:///y.sock' }).options).toEqual({ socketPath: '/y.sock' });
    expect(engineOptions(undefined, { DOCKER_HOST: 'tcp://10.1.2.3:2375' })).toMatchObject({ options: { host: '10.1.2.3', port: 2375 }, local: false });
    expect(engineOptions(undefined, {}).endpoint).toBe('unix:///var/run/docker.sock');
  });

  it('member certificates name the container, the member, localhost and 127.0.0.1', () => {
    expect(memberSans({ container: 'lab-etcd-1', name: 'etcd-1' })).toBe('DNS:lab-etcd-1,DNS:etcd-1,DNS:localhost,IP:127.0.0.1');
  });
});

describe('docker-compose.yml generation', () => {
  it('has one service per member with the same flags, loopback ports, volumes, network and limits as cluster up', () => {
    const cfg = dockerConfig(inventory('{ name: lab }', 'cpus: 2, memory: 1g'));
    const members = memberSpecs(cfg, layoutPorts(2379, 3));
    const text = composeYaml({ cfg, members, token: 'tok', subnet: '198.18.7.0/24' });
    expect(text.startsWith('# etcd cluster lab: 3 member(s)')).toBe(true);
    const doc = parse(text) as { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown>; networks: Record<string, unknown> };
    expect(Object.keys(doc.services)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    const s2 = doc.services['etcd-2']!;
    expect(s2).toMatchObject({ image: 'etcdlab/etcd:latest', container_name: 'lab-etcd-2', entrypoint: ['/usr/local/bin/etcd'], ports: ['127.0.0.1:2381:2379', '127.0.0.1:2382:2380'], cpus: 2, mem_limit: '1g', networks: ['cluster'] });
    expect(s2.command).toEqual(memberFlags(cfg, members[1]!, { peers: members, state: 'new', token: 'tok' }));
    expect(s2.volumes).toEqual([{ type: 'volume', source: 'lab-etcd-2-data', target: '/var/lib/etcd' }]);
    expect((s2.labels as Record<string, string>)['etcdlab.cluster']).toBe('lab');
    expect(doc.volumes['lab-etcd-3-data']).toMatchObject({ name: 'lab-etcd-3-data' });
    expect(doc.networks.cluster).toEqual({ name: 'lab-net', driver: 'bridge', ipam: { config: [{ subnet: '198.18.7.0/24' }] }, labels: { 'etcdlab.cluster': 'lab' } });
  });

  it('mounts each member\'s certificates with TLS, and uses a network the user named as external', () => {
    const cfg = dockerConfig(inventory('{ name: sec, tls: true }', 'network: shared'));
    const members = memberSpecs(cfg, layoutPorts(2379, 1));
    const doc = composeDocument({ cfg, members, token: 't', subnet: '198.18.9.0/24', tlsDir: 'sec-tls' }) as { services: Record<string, { volumes: unknown[] }>; networks: Record<string, unknown> };
    expect(doc.services['etcd-1']?.volumes).toContainEqual({ type: 'bind', source: './sec-tls/etcd-1', target: '/etc/etcdlab/tls', read_only: true });
    expect(doc.networks.cluster).toEqual({ name: 'shared', external: true });
  });
});

/**
 * The bad inputs of the corpus (bad-inputs.integration.test.ts), each written into a folder of its own:
 * what it is, the command line, the code it must get and what the message must name (the file, the field).
 * Valid bases (an ssh inventory, a docker inventory, a workload, a results folder) are mutated one field at
 * a time, so that each case is bad in exactly one way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { badResultsCases } from './bad-results-cases.js';

export interface BadCase {
  kind: 'inventory' | 'docker' | 'workload' | 'file' | 'cli' | 'results';
  name: string;
  args: string[];
  code: string;
  /** Substrings the error must contain (the file, the field, a word of the reason). */
  mentions: string[];
  exit?: number;
  /** The case's own folder: nothing may be left running that names it. */
  dir: string;
}

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

const sshBase = (): Obj => ({
  name: 'corpus',
  provider: 'ssh',
  ssh: { user: 'root', port: 22 },
  coordinator: { address: '198.18.0.1', port: 7380 },
  hosts: [
    { name: 'e1', address: '198.18.0.11', roles: ['etcd'] },
    { name: 'e2', address: '198.18.0.12', roles: ['etcd'] },
    { name: 'e3', address: '198.18.0.13', roles: ['etcd'] },
    { name: 'l1', address: '198.18.0.21', roles: ['agent'] },
  ],
  cluster: { name: 'corpus', clientPort: 2379, peerPort: 2380 },
});

const dockerBase = (): Obj => ({ name: 'corpus-docker', provider: 'docker', cluster: { name: 'corpusd', members: 3, etcd: { kind: 'image', image: 'quay.io/coreos/etcd:v3.5.17' } }, docker: { network: 'corpusnet' } });

const workloadBase = (): Obj => ({
  name: 'corpus',
  phases: [{ name: 'writes', ops: { put: 1 }, clients: 4, duration: '2s', keys: { prefix: 'c', distribution: 'uniform', space: 100 }, value: { size: 16 } }],
});

/** Sets `path` (dotted, [n] for lists) in a copy of `base`. */
function set(base: Obj, path: string, value: unknown): Obj {
  const out = clone(base);
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let at: Obj = out;
  for (const p of parts.slice(0, -1)) {
    if (typeof at[p] !== 'object' || at[p] === null) at[p] = {};
    at = at[p] as Obj;
  }
  at[parts.at(-1) as string] = value;
  return out;
}

export function badInputCases(root: string): BadCase[] {
  const out: BadCase[] = [];
  let n = 0;
  const dirFor = () => {
    const d = join(root, String(n++).padStart(3, '0'));
    mkdirSync(d, { recursive: true });
    return d;
  };
  const file = (dir: string, name: string, content: string | Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, content);
    return f;
  };

  // ---- ssh inventories: one bad value each, through every command that reads an inventory ----------------
  const commands = [(f: string) => ['hosts', 'check', '-i', f], (f: string) => ['cluster', 'up', '-i', f], (f: string) => ['agents', 'install', '-i', f], (f: string) => ['cluster', 'status', '-i', f]];
  let k = 0;
  const inv = (name: string, doc: Obj | string, field: string, word?: string) => {
    const dir = dirFor();
    const f = file(dir, 'inventory.yaml', typeof doc === 'string' ? doc : stringify(doc));
    out.push({ kind: 'inventory', name, args: (commands[k++ % commands.length] as (f: string) => string[])(f), code: 'E_INVENTORY_INVALID', mentions: [f, field, ...(word ? [word] : [])], dir });
  };
  const addr = (v: string) => set(sshBase(), 'hosts[0].address', v);
  for (const [name, v] of [
    ['an address written as a URL', 'http://h1.example.com:2379'],
    ['an address with a port', 'h1.example.com:22'],
    ['an address with ;', 'h1;touch /tmp/etcdlab-pwned'],
    ['an address that is an ssh option', '-oProxyCommand=touch /tmp/etcdlab-pwned'],
    ['an address with a user', 'root@h1.example.com'],
    ['an address with a space', 'h1 example'],
    ['an address with a newline', 'h1\nh2'],
    ['a bracketed IPv6 address with a port', '[fd00::1]:22'],
    ['three numbers as an IPv4 address', '198.18.0'],
    ['an IPv4 address with a leading zero', '198.018.0.11'],
    ['an IPv4 octet above 255', '198.18.0.256'],
    ['an IPv6 address with a zone', 'fe80::1%eth0'],
    ['a host name with an underscore', 'h_1.example.com'],
    ['an empty address', ''],
    ['a host name with an empty label', 'h1..example.com'],
    ['an address with a path', 'h1.example.com/etcd'],
    ['an address with $(...)', '$(touch /tmp/etcdlab-pwned)'],
    ['a host label of 64 characters', `${'a'.repeat(64)}.example.com`],
  ] as const)
    inv(name, addr(v), 'hosts[0].address');
  for (const [name, v] of [
    ['a user with ;', 'ro;ot'],
    ['a user with a newline', 'root\nx'],
    ['a user with a space', 'a b'],
    ['a user that is an option', '-oProxyCommand=x'],
    ['a user with $(...)', '$(id)'],
    ['an empty user', ''],
    ['a user of 40 characters', 'u'.repeat(40)],
  ] as const)
    inv(name, set(sshBase(), 'hosts[1].ssh', { user: v }), 'hosts[1].ssh.user');
  inv('an inventory-wide user with a backtick', set(sshBase(), 'ssh.user', 'a`id`'), 'ssh.user');
  for (const [name, v] of [
    ['a workDir with a newline and a unit line', '/var/lib/etcdlab\nExecStart=/bin/sh'],
    ['a workDir with $(...)', '/var/lib/$(id)'],
    ['a workDir with backticks', '/var/lib/`id`'],
    ['workDir /usr/bin', '/usr/bin'],
    ['a workDir under /usr/bin', '/usr/bin/etcdlab'],
    ['workDir /', '/'],
    ['workDir /etc', '/etc'],
    ['a relative workDir', 'var/lib/etcdlab'],
    ['a workDir with a trailing slash', '/var/lib/etcdlab/'],
    ['a workDir with //', '/var//lib/etcdlab'],
    ['a workDir with ..', '/var/lib/../etc/etcdlab'],
    ["workDir /var/lib/etcd (Debian's etcd data)", '/var/lib/etcd'],
    ['workDir /opt', '/opt'],
    ['workDir /tmp', '/tmp'],
    ['a workDir with a space', '/var/lib/etc dlab'],
    ['a top-level workDir', '/etcdlab'],
    ['a workDir under /proc', '/proc/etcdlab'],
    ['a workDir with a quote', "/var/lib/it's"],
  ] as const)
    inv(name, set(sshBase(), 'hosts[2].workDir', v), 'hosts[2].workDir');
  inv('a coordinator address with $(...)', set(sshBase(), 'coordinator.address', '$(touch /tmp/etcdlab-pwned)'), 'coordinator.address');
  inv('a coordinator address written as a URL', set(sshBase(), 'coordinator.address', 'http://198.18.0.1:7380'), 'coordinator.address');
  inv('a coordinator port 0', set(sshBase(), 'coordinator.port', 0), 'coordinator.port');
  inv('a coordinator port above 65535', set(sshBase(), 'coordinator.port', 70000), 'coordinator.port');
  inv("the coordinator on a member's client port", set(set(sshBase(), 'coordinator.address', '198.18.0.11'), 'coordinator.port', 2379), 'coordinator.port');
  inv('an ssh port 0', set(sshBase(), 'ssh.port', 0), 'ssh.port');
  inv('an ssh port 65536', set(sshBase(), 'ssh.port', 65536), 'ssh.port');
  inv('a fractional ssh port', set(sshBase(), 'hosts[0].ssh', { port: 22.5 }), 'hosts[0].ssh.port');
  inv('an identity file that is an option', set(sshBase(), 'ssh.identityFile', '-oProxyCommand=x'), 'ssh.identityFile');
  inv('an identity file with a newline', set(sshBase(), 'ssh.identityFile', 'key\nfile'), 'ssh.identityFile');
  inv('a known_hosts file with a bell character', set(sshBase(), 'ssh.knownHostsFile', 'known\u0007hosts'), 'ssh.knownHostsFile');
  inv('a host that is its own jump host', set(sshBase(), 'hosts[0].ssh', { jumpHost: { address: '198.18.0.11' } }), 'hosts[0].ssh.jumpHost.address', 'its own jump host');
  {
    const loop = set(set(sshBase(), 'hosts[0].ssh', { jumpHost: { address: '198.18.0.12' } }), 'hosts[1].ssh', { jumpHost: { address: '198.18.0.11' } });
    inv('a jump-host loop', loop, 'jumpHost.address', 'itself reached through a jump host');
  }
  inv('a jump host address with ;', set(sshBase(), 'ssh.jumpHost', { address: 'bastion;id' }), 'ssh.jumpHost.address');
  inv('a jump host user with ;', set(sshBase(), 'ssh.jumpHost', { address: '198.18.0.99', user: 'a;b' }), 'ssh.jumpHost.user');
  inv('a host name with a space', set(sshBase(), 'hosts[0].name', 'e 1'), 'hosts[0].name');
  inv('a host name with ;', set(sshBase(), 'hosts[0].name', 'e1;x'), 'hosts[0].name');
  inv('a host name of 70 characters', set(sshBase(), 'hosts[0].name', 'e'.repeat(70)), 'hosts[0].name');
  inv('two hosts with one name', set(sshBase(), 'hosts[1].name', 'e1'), 'hosts[1].name', 'duplicate host name');
  inv('an inventory name with ;', set(sshBase(), 'name', 'lab;id'), 'name');
  inv('an upper-case cluster name', set(sshBase(), 'cluster.name', 'Lab'), 'cluster.name');
  inv('a cluster name with ;', set(sshBase(), 'cluster.name', 'lab;x'), 'cluster.name');
  inv('a cluster token with a space', set(sshBase(), 'cluster.token', 'a b'), 'cluster.token');
  inv('an image reference with ; for ssh', set(sshBase(), 'cluster.etcd', { kind: 'image', image: 'etcd; rm -rf /' }), 'cluster.etcd.image');
  inv('a release URL with credentials', set(sshBase(), 'cluster.etcd', { kind: 'release', tarball: 'https://u:p@example.com/etcd.tar.gz', sha256: 'a'.repeat(64) }), 'cluster.etcd.tarball', 'credentials');
  inv('an upper-case sha256', set(sshBase(), 'cluster.etcd', { kind: 'release', tarball: 'etcd.tar.gz', sha256: 'A'.repeat(64) }), 'cluster.etcd.sha256');
  inv('a host etcd path with a space', set(sshBase(), 'cluster.etcd', { kind: 'host', path: '/usr/bin/et cd' }), 'cluster.etcd.path');
  inv('a local etcd path that is an option', set(sshBase(), 'cluster.etcd', { kind: 'local', path: '-x' }), 'cluster.etcd.path');
  inv('an extra flag with a space in its name', set(sshBase(), 'cluster.extraFlags', { 'log level': 'info' }), 'cluster.extraFlags');
  inv('an extra flag value with a newline', set(sshBase(), 'cluster.extraFlags', { 'log-level': 'info\nlisten-client-urls: http://0.0.0.0:1' }), 'cluster.extraFlags.log-level');
  inv('a label name with a space', set(sshBase(), 'hosts[0].labels', { 'a b': 'x' }), 'hosts[0].labels');
  inv('a label value with a newline', set(sshBase(), 'hosts[0].labels', { rack: 'r1\nr2' }), 'hosts[0].labels.rack');
  inv('two members on one address behind two ssh ports', set(set(sshBase(), 'hosts[1].address', '198.18.0.11'), 'hosts[1].ssh', { port: 2222 }), 'hosts[1].address', 'also hosts[0]');
  inv('::1 and 0:0:0:0:0:0:0:1 as two hosts', set(set(sshBase(), 'hosts[0].address', '::1'), 'hosts[1].address', '0:0:0:0:0:0:0:1'), 'hosts[1].address', 'also hosts[0]');
  inv('one address in two spellings (case)', set(set(sshBase(), 'hosts[0].address', 'node.example.com'), 'hosts[1].address', 'NODE.example.com'), 'hosts[1].address', 'also hosts[0]');
  inv('no roles', set(sshBase(), 'hosts[0].roles', []), 'hosts[0].roles');
  inv('a role twice', set(sshBase(), 'hosts[0].roles', ['etcd', 'etcd']), 'hosts[0].roles', 'twice');
  inv('etcd and agent on one host', set(sshBase(), 'hosts[0].roles', ['etcd', 'agent']), 'hosts[0].roles', 'allowColocation');
  inv('an unknown role', set(sshBase(), 'hosts[0].roles', ['root']), 'hosts[0].roles[0]');
  {
    const eight = sshBase();
    eight['hosts'] = Array.from({ length: 8 }, (_, i) => ({ name: `e${i}`, address: `198.18.1.${i + 1}`, roles: ['etcd'] }));
    inv('8 etcd hosts', eight, 'hosts', '8 etcd hosts');
    inv('no etcd host', set(sshBase(), 'hosts', [{ name: 'l1', address: '198.18.0.21', roles: ['agent'] }]), 'hosts', 'no host has the etcd role');
  }
  inv('a heartbeat of 0', set(sshBase(), 'cluster.heartbeat', 0), 'cluster.heartbeat');
  inv('an election timeout under 5 heartbeats', set(sshBase(), 'cluster.electionTimeout', 300), 'cluster.electionTimeout');
  inv('an election timeout of 10 minutes', set(sshBase(), 'cluster.electionTimeout', '10m'), 'cluster.electionTimeout');
  inv('a heartbeat that is not a duration', set(sshBase(), 'cluster.heartbeat', 'often'), 'cluster.heartbeat');
  inv('client port equal to peer port', set(sshBase(), 'cluster.peerPort', 2379), 'cluster.peerPort');
  inv('a client port 0', set(sshBase(), 'cluster.clientPort', 0), 'cluster.clientPort');
  inv('a backend quota of a petabyte', set(sshBase(), 'cluster.quotaBackendBytes', 1e15), 'cluster.quotaBackendBytes');
  inv('a snapshot count of 1e12', set(sshBase(), 'cluster.snapshotCount', 1e12), 'cluster.snapshotCount');
  inv('a misspelled field', set(sshBase(), 'hots', []), 'hots', 'did you mean "hosts"');
  inv('hosts as a string', set(sshBase(), 'hosts', 'e1,e2'), 'hosts');
  inv('roles as a string', set(sshBase(), 'hosts[0].roles', 'etcd'), 'hosts[0].roles');
  inv('an unknown provider', set(sshBase(), 'provider', 'kubernetes'), 'provider');
  inv('a duplicate key', 'provider: ssh\nprovider: docker\nhosts: []\n', 'line', 'unique');

  // ---- docker inventories -------------------------------------------------------------------------------
  const dock = (name: string, doc: Obj, field: string, word?: string) => {
    const dir = dirFor();
    const f = file(dir, 'docker.yaml', stringify(doc));
    out.push({ kind: 'docker', name, args: ['cluster', 'up', '-i', f], code: 'E_INVENTORY_INVALID', mentions: [f, field, ...(word ? [word] : [])], dir });
  };
  dock('an image name with ;', set(dockerBase(), 'cluster.etcd.image', 'etcd; rm -rf /'), 'cluster.etcd.image');
  dock('an image name with a space', set(dockerBase(), 'cluster.etcd.image', 'quay.io/coreos/etcd v3'), 'cluster.etcd.image');
  dock('an image digest that is not sha256 hex', set(dockerBase(), 'cluster.etcd.image', 'etcd@sha256:xyz'), 'cluster.etcd.image');
  dock('a network name with ;', set(dockerBase(), 'docker.network', 'net; id'), 'docker.network');
  dock('a network name with a newline', set(dockerBase(), 'docker.network', 'net\nx'), 'docker.network');
  dock('basePort 65534 for 3 members', set(dockerBase(), 'cluster.basePort', 65534), 'cluster.basePort', '65539');
  dock('basePort 0', set(dockerBase(), 'cluster.basePort', 0), 'cluster.basePort');
  dock('a memory limit of 1tb', set(dockerBase(), 'docker.memory', '1tb'), 'docker.memory');
  dock('negative cpus', set(dockerBase(), 'docker.cpus', -1), 'docker.cpus');
  dock('a million cpus', set(dockerBase(), 'docker.cpus', 1e6), 'docker.cpus');
  dock('0 members', set(dockerBase(), 'cluster.members', 0), 'cluster.members');
  dock('8 members', set(dockerBase(), 'cluster.members', 8), 'cluster.members');
  dock('a socket path that is an option', set(dockerBase(), 'docker.socket', '-H tcp://0.0.0.0'), 'docker.socket');
  dock('a misspelled docker field', set(dockerBase(), 'docker.netwrk', 'x'), 'docker.netwrk', 'did you mean "network"');

  // ---- workloads: one bad value each -----------------------------------------------------------------------
  const wl = (name: string, doc: Obj | string, field: string, word?: string) => {
    const dir = dirFor();
    const f = file(dir, 'workload.yaml', typeof doc === 'string' ? doc : stringify(doc));
    const args = n % 3 === 0 ? ['run', '--endpoints', '198.18.0.11:2379', '-w', f, '--results', join(dir, 'results')] : ['workload', 'validate', f];
    out.push({ kind: 'workload', name, args, code: 'E_WORKLOAD_INVALID', mentions: [f, field, ...(word ? [word] : [])], dir });
  };
  const ph = (path: string, v: unknown) => set(workloadBase(), `phases[0].${path}`, v);
  for (const [name, path, v] of [
    ['1e12 clients', 'clients', 1e12],
    ['0 clients', 'clients', 0],
    ['-1 clients', 'clients', -1],
    ['1.5 clients', 'clients', 1.5],
    ['clients as words', 'clients', 'many'],
    ['1e9 connections', 'connections', 1e9],
    ['more connections than clients', 'connections', 8],
    ['a total of 1e12', 'total', 1e12],
    ['a duration of 1e15 s', 'duration', '1000000000000000s'],
    ['a duration of 0', 'duration', '0s'],
    ['a duration that is not one', 'duration', 'forever'],
    ['a duration of 8 days', 'duration', '192h'],
    ['a rate of 1e12/s', 'rate', 1e12],
    ['a negative rate', 'rate', -5],
    ['a warm-up of 2 hours', 'warmup', '2h'],
    ['a warm-up of 1.5 s', 'warmup', '1500ms'],
    ['a deadline of an hour', 'deadline', '1h'],
    ['a deadline of 0', 'deadline', 0],
    ['a key space of 1e16', 'keys.space', 1e16],
    ['a key size of 1e9 bytes', 'keys.size', 1e9],
    ['a value of 1e9 bytes', 'value.size', 1e9],
    ['a value size range upside down', 'value.size', { min: 100, max: 10 }],
    ['an unknown key distribution', 'keys.distribution', 'gaussian'],
    ['a hot distribution without its hot set', 'keys.distribution', 'hot'],
    ['a zipf exponent of 100', 'keys.zipf', 100],
    ['a key prefix with ;', 'keys.prefix', 'a;b'],
    ['1e9 watch streams', 'watch', { streams: 1e9 }],
    ['1e6 watchers per stream', 'watch', { watchersPerStream: 1e6 }],
    ['an unknown operation', 'ops', { frobnicate: 1 }],
    ['an empty mix', 'ops', {}],
    ['a negative weight', 'ops', { put: -1 }],
    ['a weight of 1e12', 'ops', { put: 1e12 }],
    ['a range limit of 1e12', 'ops', { range: { limit: 1e12 } }],
    ['an option the op does not take', 'ops', { put: { limit: 5 } }],
    ['a phase name with spaces', 'name', 'Bad Name'],
    ['an unknown phase field', 'clinets', 4],
  ] as const)
    wl(name, ph(path, v), `phases[0].${path.split('.')[0]}`);
  wl('a lease pool of 1e9', set(ph('ops', { 'lease-grant': 1 }), 'phases[0].lease', { pool: 1e9 }), 'phases[0].lease.pool');
  wl('a lease TTL of 30 days', set(ph('ops', { 'lease-grant': 1 }), 'phases[0].lease', { ttl: '720h' }), 'phases[0].lease.ttl');
  wl('2000 ramp stages', ph('rate', { stages: Array.from({ length: 2000 }, () => ({ target: 10, duration: '1s' })) }), 'phases[0].rate');
  {
    const pattern = (fields: Obj) => ({ name: 'p', phases: [{ name: 'p', duration: '2s', pattern: { spec: '/a/[0-9]{2};[0-9]{3}', ...fields } }] });
    wl('1e9 pattern drivers', pattern({ drivers: 1e9 }), 'phases[0].pattern.drivers');
    wl('pattern values of 1e11 bytes', pattern({ valSpec: '1,100000000000' }), 'phases[0].pattern.valSpec');
    wl('a pattern of 5000 characters', pattern({ spec: `/a/${'b'.repeat(5000)}` }), 'phases[0].pattern.spec');
    wl('a pattern churn level of 1000', pattern({ churnLevel: 1000 }), 'phases[0].pattern.churnLevel');
    wl('a pattern lease test with 1e9 leases', pattern({ leases: { active: 1e9 } }), 'phases[0].pattern.leases.active');
    wl('a pattern value regex bomb', pattern({ spec: '/a/[0-9]{2};((x{1000}){1000}){1000}' }), 'phases[0].pattern', 'value regex');
    wl('an unmatchable pattern value regex', pattern({ spec: '/a/[0-9]{2};a^b' }), 'phases[0].pattern', 'does not match');
    wl('a printf width of 5000 in a pattern level', pattern({ spec: '/a/%l-%05000d[2];[0-9]{3}' }), 'phases[0].pattern', 'at most 1024');
    wl('pattern values of #1e11 random bytes', pattern({ spec: '/a/[0-9]{2};#100000000000' }), 'phases[0].pattern', "request limit");
    wl('a pattern expanding to 1e14 keys per driver', pattern({ spec: '/a/%d[10000000]/%d[10000000];[0-9]{3}' }), 'phases[0].pattern', 'keys per driver');
  }
  {
    const many = workloadBase();
    many['phases'] = Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, ops: { put: 1 }, total: 1 }));
    wl('101 phases', many, 'phases');
  }
  wl('two phases with one name', set(workloadBase(), 'phases[1]', { name: 'writes', ops: { put: 1 }, total: 1 }), 'phases[1].name', 'duplicate phase name');
  wl('no phases', set(workloadBase(), 'phases', []), 'phases');
  wl('no name', { phases: workloadBase()['phases'] }, 'name');
  wl('a name with a right-to-left override', set(workloadBase(), 'name', 'ok\u202e'), 'name', 'invisible');
  wl('a phase description with a terminal escape', set(workloadBase(), 'phases[0].description', 'x\u001b[2J'), 'phases[0].description', 'control');
  wl('a rule on a phase that is not there', set(workloadBase(), 'rules', [{ name: 'fast', phase: 'nope', metric: 'latency.p99', max: '10ms' }]), 'rules[0].phase');
  wl('a top-level list', '- a\n- b\n', '(top level)');
  wl('YAML with a tab indent', 'name: x\nphases:\n\t- name: y\n', 'line');
  wl('an alias bomb', `name: bomb\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nphases: []\n`, 'alias');
  wl('nesting 200 levels deep', `name: deep\nphases: ${'['.repeat(200)}${']'.repeat(200)}\n`, 'nested');
  wl('a field name with terminal escape codes', `name: x\nphases:\n  - name: y\n    ops: { put: 1 }\n    total: 1\n    "\u001b[2J\u001b[Hclear": 1\n`, '\\x1b[2J');

  // ---- files that are not workloads or inventories -------------------------------------------------------
  const fileCase = (name: string, path: string, word: string, as: 'workload' | 'inventory' = 'workload') => {
    const dir = dirFor();
    const args = as === 'workload' ? (n % 2 ? ['workload', 'validate', path] : ['run', '--endpoints', '198.18.0.11:2379', '-w', path, '--results', join(dir, 'results')]) : ['cluster', 'up', '-i', path];
    out.push({ kind: 'file', name, args, code: as === 'workload' ? 'E_WORKLOAD_UNREADABLE' : 'E_INVENTORY_UNREADABLE', mentions: [path, word], dir });
  };
  fileCase('/dev/zero as a workload', '/dev/zero', 'not a regular file');
  fileCase('/dev/zero as an inventory', '/dev/zero', 'not a regular file', 'inventory');
  {
    const dir = dirFor();
    fileCase('a folder as a workload', dir, 'a folder');
    fileCase('a 2 MB log as a workload', file(dir, 'big.log', Buffer.alloc(2 * 1024 * 1024, 'x\n')), 'at most 1 MiB');
    fileCase('a 2 MB log as an inventory', file(dir, 'big-inv.log', Buffer.alloc(2 * 1024 * 1024, 'y\n')), 'at most 1 MiB', 'inventory');
    fileCase('invalid UTF-8', file(dir, 'latin1.yaml', Buffer.from('name: caf\xe9\nphases: []\n', 'latin1')), 'not UTF-8 text (byte 0xe9 at offset 9)');
    fileCase('an overlong UTF-8 sequence', file(dir, 'overlong.yaml', Buffer.from([0x6e, 0x3a, 0x20, 0xc0, 0xaf, 0x0a])), 'not UTF-8');
    fileCase('a UTF-16 file', file(dir, 'utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')])), 'UTF-16');
    fileCase('a UTF-16 inventory', file(dir, 'utf16-inv.yaml', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('provider: ssh\n', 'utf16le').swap16()])), 'UTF-16', 'inventory');
    fileCase('a binary file', file(dir, 'binary.yaml', Buffer.from([0x6e, 0x00, 0x01, 0x02])), 'NUL byte');
    fileCase('a missing workload', join(dir, 'missing.yaml'), 'ENOENT');
    fileCase('a missing inventory', join(dir, 'missing-inv.yaml'), 'ENOENT', 'inventory');
  }

  // ---- command lines ---------------------------------------------------------------------------------------
  const cli = (name: string, args: (dir: string) => string[], code: string, mentions: string[] | ((dir: string) => string[])) => {
    const dir = dirFor();
    out.push({ kind: 'cli', name, args: args(dir), code, mentions: typeof mentions === 'function' ? mentions(dir) : mentions, dir });
  };
  const okWorkload = (dir: string) => file(dir, 'ok.yaml', stringify(workloadBase()));
  cli('an unknown command', () => ['clustr', 'up'], 'E_USAGE', ["unknown command 'clustr'", 'cluster']);
  cli('an unknown option', () => ['run', '--endpoint', '198.18.0.11:2379'], 'E_USAGE', ["unknown option '--endpoint'", 'usage: etcdlab run']);
  cli('an unknown sub-command', () => ['cluster', 'upp'], 'E_USAGE', ["unknown command 'upp'", 'usage: etcdlab cluster']);
  cli('a missing required option', () => ['hosts', 'check'], 'E_USAGE', ['-i, --inventory', 'usage: etcdlab hosts check']);
  cli('a missing argument', () => ['workload', 'validate'], 'E_USAGE', ['missing required argument', 'usage: etcdlab workload validate']);
  cli('an option without its value', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--agents'], 'E_USAGE', ['--agents']);
  cli('--clients above its bound', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--clients', '20000'], 'E_WORKLOAD_INVALID', ['--clients (phases[0].clients)']);
  cli('--duration that is not one', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--duration', 'forever'], 'E_WORKLOAD_INVALID', ['--duration (phases[0].duration)']);
  cli('--phase naming no phase', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--phase', 'nope', '--rate', '10'], 'E_OPTION_INVALID', ['--phase', 'writes']);
  cli('--value-size above etcd\'s limit', (d) => ['quickstart', '-w', okWorkload(d), '--value-size', '2000000', '--results', join(d, 'results')], 'E_WORKLOAD_INVALID', ['--value-size (phases[0].value.size)']);
  cli('run without a workload', () => ['run', '--endpoints', '198.18.0.11:2379'], 'E_OPTION_INVALID', ['-w, --workload']);
  cli('--agents 0', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--agents', '0'], 'E_OPTION_INVALID', ['--agents']);
  cli('--agents 100', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--agents', '100'], 'E_OPTION_INVALID', ['--agents']);
  cli('--agents abc', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--agents', 'abc'], 'E_OPTION_INVALID', ['--agents']);
  cli('--members 8 for quickstart', (d) => ['quickstart', '--members', '8', '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--members']);
  cli('--members 0 for a sweep', (d) => ['sweep', '-w', okWorkload(d), '--members', '0', '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--members']);
  cli('an endpoint with two ports', (d) => ['run', '--endpoints', 'http://a:1:2', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints']);
  cli('an endpoint with ;', (d) => ['run', '--endpoints', '198.18.0.11:2379;id', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints']);
  cli('an endpoint on port 0', (d) => ['run', '--endpoints', '198.18.0.11:0', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints', '1 to 65535']);
  cli('one endpoint twice (an IPv4-mapped IPv6 spelling)', (d) => ['run', '--endpoints', '[::ffff:198.18.0.11]:2379,198.18.0.11:2379', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints', 'given twice']);
  cli('an endpoint with a password', (d) => ['run', '--endpoints', 'http://u:p@198.18.0.11:2379', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints', 'password']);
  cli('an empty endpoint in the list', (d) => ['run', '--endpoints', '198.18.0.11:2379,', '-w', okWorkload(d), '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--endpoints', 'empty item']);
  cli('a sweep size list with an empty item', (d) => ['sweep', '-w', okWorkload(d), '--members', '1,,3', '--results', join(d, 'results')], 'E_OPTION_INVALID', ['--members']);
  cli('-i and --endpoints both', (d) => ['run', '-i', join(d, 'x.yaml'), '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d)], 'E_OPTION_INVALID', ['both']);
  cli('--results naming a file', (d) => ['run', '--endpoints', '198.18.0.11:2379', '-w', okWorkload(d), '--results', file(d, 'README.md', 'x')], 'E_OPTION_INVALID', ['--results', 'README.md']);
  cli('--resume with other options', (d) => ['run', '--resume', d, '-w', okWorkload(d)], 'E_RESUME_REFUSED', ['--workload']);
  cli('--resume of a folder that is not a run', (d) => ['run', '--resume', d], 'E_RESUME_REFUSED', (d) => [join(d, 'manifest.json')]);
  cli('report of a file', (d) => ['report', okWorkload(d)], 'E_RESULTS_INVALID', ['ok.yaml']);
  cli('compare of one missing folder', (d) => ['compare', join(d, 'a'), join(d, 'b')], 'E_RESULTS_INVALID', (d) => [join(d, 'a')]);
  cli('compare --out naming a file', (d) => ['compare', join(d, 'a'), join(d, 'b'), '--out', file(d, 'c.html', 'x')], 'E_OPTION_INVALID', ['--out', 'c.html']);
  cli('compare of one folder twice', (d) => ['compare', join(d, 'a'), `${join(d, 'a')}/`], 'E_OPTION_INVALID', ['twice']);
  cli('sweep --out naming a file', (d) => ['sweep', '-w', okWorkload(d), '--members', '1', '--results', join(d, 'results'), '--out', file(d, 's.txt', 'x')], 'E_OPTION_INVALID', ['--out', 's.txt']);
  cli('help for a command that does not exist', () => ['help', 'nosuch'], 'E_USAGE', ['nosuch', 'quickstart']);
  cli('cluster status of a folder without a kept cluster', (d) => ['cluster', 'status', '--run-dir', d], 'E_RUN_DIR_INVALID', ['cluster.json']);
  cli('cluster --run-dir empty', () => ['cluster', 'logs', '--run-dir', ''], 'E_OPTION_INVALID', ['--run-dir']);
  cli('cluster with -i and --run-dir', (d) => ['cluster', 'down', '-i', join(d, 'x.yaml'), '--run-dir', d], 'E_OPTION_INVALID', ['-i or --run-dir']);
  cli('dump --format xml', () => ['dump', '--endpoints', '198.18.0.11:2379', '--format', 'xml'], 'E_OPTION_INVALID', ['--format']);
  cli('dump --revision 0', () => ['dump', '--endpoints', '198.18.0.11:2379', '--revision', '0'], 'E_OPTION_INVALID', ['--revision']);
  cli('keys clean --defrag of a bad run id', () => ['keys', 'clean', '../x', '--endpoints', '198.18.0.11:2379', '--defrag'], 'E_OPTION_INVALID', ['RUN_ID']);

  out.push(...badResultsCases(dirFor));
  return out;
}

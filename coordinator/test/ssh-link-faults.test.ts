import { describe, expect, it } from 'vitest';
import { ErrorCodes, InputError, type LinkFault, parseWorkload } from '@etcdlab/common';
import { farEnds, faultTable, nftClearScript, nftLinkScript } from '../src/cluster/ssh/link-rules.js';
import { checkFaultTargets, drillRefusal, faultProblems, runRefusal } from '../src/faults/fault-check.js';
import { faultSupport, parseFaultProbe } from '../src/hostcheck/fault-support.js';

const f = (from: LinkFault['from'], o: Partial<LinkFault> = {}): LinkFault => ({ from, cut: true, delayMs: 0, jitterMs: 0, dropShare: 0, ...o });
const target = { member: 'sys-5', address: '198.18.0.5', peerPort: 2380, clientPort: 2379, peers: ['198.18.0.6', '198.18.0.7'] };
const rules = (script: string, chain: 'input' | 'output') => {
  const m = new RegExp(`chain ${chain} \\{\\n[^\\n]+\\n((?:    [^\\n]+\\n)*)  \\}`).exec(script);
  return (m?.[1] ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
};

describe('nftables rulesets of link faults on ssh hosts', () => {
  it('a partition from peers drops the peer port both ways on the member\'s own address and to and from its peers\' peer port, never its client port', () => {
    const s = nftLinkScript(target, f('peers'));
    expect(rules(s, 'input')).toEqual(['ip daddr 198.18.0.5 tcp dport 2380 drop', 'ip daddr 198.18.0.5 tcp sport 2380 drop', 'ip saddr { 198.18.0.6, 198.18.0.7 } tcp sport 2380 drop']);
    expect(rules(s, 'output')).toEqual(['ip saddr 198.18.0.5 tcp sport 2380 drop', 'ip saddr 198.18.0.5 tcp dport 2380 drop', 'ip daddr { 198.18.0.6, 198.18.0.7 } tcp dport 2380 drop']);
    expect(s).not.toContain('2379');
    // The member's own table, its earlier one replaced in the same transaction.
    expect(s.startsWith('table inet etcdlab_fault_sys-5\ndelete table inet etcdlab_fault_sys-5\ntable inet etcdlab_fault_sys-5 {\n')).toBe(true);
  });

  it('from clients: what arrives at the client port and what it answers, no far end; both: peers and clients', () => {
    const c = nftLinkScript(target, f('clients'));
    expect(rules(c, 'input')).toEqual(['ip daddr 198.18.0.5 tcp dport 2379 drop']);
    expect(rules(c, 'output')).toEqual(['ip saddr 198.18.0.5 tcp sport 2379 drop']);
    const b = nftLinkScript(target, f('both'));
    expect(rules(b, 'input')).toHaveLength(4);
    expect(rules(b, 'output')).toContain('ip saddr 198.18.0.5 tcp sport 2379 drop');
    expect(rules(b, 'output')).toContain('ip daddr { 198.18.0.6, 198.18.0.7 } tcp dport 2380 drop');
  });

  it('drop loses a share of peer packets in millionths; a host named by DNS is matched by port off loopback; IPv6 peers go in ip6 sets', () => {
    const d = nftLinkScript({ ...target, address: 'etcd-a.example' }, f('peers', { cut: false, dropShare: 0.25 }));
    expect(rules(d, 'input')).toEqual(['iifname != "lo" tcp dport 2380 numgen random mod 1000000 < 250000 drop', 'iifname != "lo" tcp sport 2380 numgen random mod 1000000 < 250000 drop']);
    expect(d).not.toContain('2379');
    // 0.0004 was 0 of 1000 before: now 400 in a million.
    expect(rules(nftLinkScript(target, f('peers', { cut: false, dropShare: 0.0004 })), 'output')[0]).toBe('ip saddr 198.18.0.5 tcp sport 2380 numgen random mod 1000000 < 400 drop');
    const v6 = nftLinkScript({ ...target, address: 'fd00::5', peers: ['fd00::6', '198.18.0.7'] }, f('peers'));
    expect(rules(v6, 'output')).toEqual(['ip6 saddr fd00::5 tcp sport 2380 drop', 'ip6 saddr fd00::5 tcp dport 2380 drop', 'ip daddr { 198.18.0.7 } tcp dport 2380 drop', 'ip6 daddr { fd00::6 } tcp dport 2380 drop']);
    expect(rules(nftLinkScript({ ...target, address: 'fd00::5', peers: [] }, f('clients')), 'input')).toEqual(['ip6 daddr fd00::5 tcp dport 2379 drop']);
  });

  it('refuses a delay (no tc netem path), a fault that does nothing and a share too small to draw', () => {
    expect(() => nftLinkScript(target, f('peers', { cut: false, delayMs: 50 }))).toThrow(/netem/);
    expect(() => nftLinkScript(target, f('peers', { cut: false }))).toThrow(/neither/);
    expect(() => nftLinkScript(target, f('peers', { cut: false, dropShare: 4e-7 }))).toThrow(/below 1\/1000000/);
  });

  it('one table per member, names kept distinct; undo deletes the member\'s, clean-up every listed one', () => {
    expect(faultTable('sys-1')).toBe('etcdlab_fault_sys-1');
    expect(faultTable('sys_1')).not.toBe(faultTable('sys-1'));
    expect(faultTable('db1.lab')).toBe('etcdlab_fault_db1.lab');
    expect(faultTable('a b;c')).toBe('etcdlab_fault_a_b_c');
    expect(nftClearScript([faultTable('sys-2')])).toBe('table inet etcdlab_fault_sys-2\ndelete table inet etcdlab_fault_sys-2\n');
    expect(nftClearScript(['etcdlab_fault', 'etcdlab_fault_sys-3'])).toBe('table inet etcdlab_fault\ndelete table inet etcdlab_fault\ntable inet etcdlab_fault_sys-3\ndelete table inet etcdlab_fault_sys-3\n');
  });

  it('far ends: the other members when the member is alone on its machine; none when one shares it (the rule would cut the neighbour too)', () => {
    expect(farEnds('198.18.0.5', ['198.18.0.6', 'etcd-b.example', 'fd00::7'], ['127.0.0.1', '198.18.0.5'])).toEqual({ peers: ['198.18.0.6', 'fd00::7'], sharing: [] });
    // A secondary address: the member at .5, another member at .9 on the same machine.
    expect(farEnds('198.18.0.5', ['198.18.0.6', '198.18.0.9'], ['198.18.0.9', '198.18.0.5'])).toEqual({ peers: [], sharing: ['198.18.0.9'] });
    // Loopback aliases are one machine even though the probe lists only 127.0.0.1.
    expect(farEnds('127.0.0.2', ['127.0.0.3', '127.0.0.4'], ['127.0.0.1'])).toEqual({ peers: [], sharing: ['127.0.0.3', '127.0.0.4'] });
  });
});

describe('which faults an ssh host can take', () => {
  const probe = (o: { priv?: string; systemd?: string; nft?: string; tables?: string; netem?: string; addrs?: string } = {}) =>
    parseFaultProbe([`@@priv ${o.priv ?? 'sudo'}`, `@@systemd ${o.systemd ?? 'running'}`, `@@nft ${o.nft ?? 'ok'}`, ...(o.nft === undefined ? ['@@nftpath /usr/sbin/nft'] : []), '@@tables', o.tables ?? 'table inet filter', '@@addrs', o.addrs ?? '127.0.0.1\n198.18.0.5\nfe80::1', `@@netem ${o.netem ?? 'no'}`].join('\n'));

  it('sudo, systemd and nft: every lasting action but delay, which says why and what to use instead', () => {
    const s = faultSupport(probe(), 'etcdops');
    expect(s.can).toEqual(['kill', 'stop', 'pause', 'partition', 'drop']);
    expect(s.cannot).toHaveLength(1);
    expect(s.cannot[0]).toMatchObject({ action: 'delay', why: expect.stringContaining('has no sch_netem'), fix: expect.stringContaining('local cluster') });
  });

  it('reads nft\'s path, the machine\'s addresses, and every etcdlab fault table left behind (the old single one too)', () => {
    const p = probe();
    expect(p).toMatchObject({ nftPath: '/usr/sbin/nft', addresses: ['127.0.0.1', '198.18.0.5', 'fe80::1'], leftover: false, tables: [] });
    const left = probe({ tables: 'table inet filter\ntable inet etcdlab_fault\ntable inet etcdlab_fault_sys-2\ntable ip etcdlab_fault_x\ntable inet etcdlab_fault_db1.lab' });
    expect(left.tables).toEqual(['etcdlab_fault', 'etcdlab_fault_sys-2', 'etcdlab_fault_db1.lab']);
    expect(left.leftover).toBe(true);
    expect(probe({ nft: 'no nft command on the host' }).nftPath).toBeUndefined();
  });

  it('no sudo: nothing, each naming the user; no nft: no link faults; no systemd: no signals', () => {
    const none = faultSupport(probe({ priv: 'none' }), 'bob');
    expect(none.can).toEqual([]);
    expect(none.cannot.find((c) => c.action === 'kill')?.why).toContain('bob is not root');
    const noNft = faultSupport(probe({ nft: 'no nft command on the host' }), 'root');
    expect(noNft.can).toEqual(['kill', 'stop', 'pause']);
    expect(noNft.cannot.find((c) => c.action === 'partition')).toMatchObject({ why: expect.stringContaining('no nft command'), fix: expect.stringContaining('apt-get install nftables') });
    const fallback = faultSupport(probe({ systemd: 'offline' }), 'root');
    expect(fallback.can).toEqual(['partition', 'drop']);
    expect(fallback.cannot.find((c) => c.action === 'pause')?.why).toContain('offline');
    expect(parseFaultProbe('').privilege).toBe('none');
  });
});

describe('refusals of link faults: a run names the workload field and the host, a drill the option', () => {
  const workload = (share: number) => parseWorkload(`name: w\nphases:\n  - name: p\n    ops: { put: 1 }\n    clients: 1\n    duration: 10s\n    faults:\n      - { action: drop, target: leader, share: ${share}, at: 1s, for: 2s }\n`, 'w.yaml');
  const problems = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      return (e as InputError).problems.map((p) => `${p.field}: ${p.message}`);
    }
    return [];
  };

  it('a drop share below one in a million is refused on ssh hosts, naming share; on a local cluster it is not', () => {
    expect(problems(() => checkFaultTargets(workload(4e-7), { provider: 'ssh' }))).toEqual(['phases[0].faults[0].share: share 4e-7 is below 1/1000000, the finest share nftables drops on ssh hosts (it would drop nothing)']);
    expect(problems(() => checkFaultTargets(workload(0.0004), { provider: 'ssh' }))).toEqual([]);
    expect(problems(() => checkFaultTargets(workload(4e-7), { provider: 'local' }))).toEqual([]);
  });

  it('a host refusal: E_WORKLOAD_INVALID on hosts[...] for a run, E_OPTION_INVALID on <action> with hosts check as the fix for a drill', () => {
    const refusal = { file: 'lab.yaml', host: 'sys-2', action: 'partition' as const, why: 'nftables cannot be used: no nft command on the host', fix: 'install nftables on the host' };
    const run = runRefusal([refusal]);
    expect(run.code).toBe(ErrorCodes.workloadInvalid);
    expect(run.problems[0]).toMatchObject({ file: 'lab.yaml', field: 'hosts[sys-2]', message: 'sys-2 cannot take a partition fault: nftables cannot be used: no nft command on the host', fix: 'install nftables on the host' });
    const drill = drillRefusal('etcdlab fault partition', [refusal]);
    expect(drill.code).toBe(ErrorCodes.optionInvalid);
    expect(drill.problems[0]).toMatchObject({ field: '<action>', fix: 'install nftables on the host; etcdlab hosts check -i lab.yaml says what each host takes' });
  });

  it('an action the cluster cannot take: a drill is pointed at what this cluster takes, not at quickstart', () => {
    const spec = workload(0.1).phases[0]?.faults?.[0];
    if (!spec) throw new Error('no fault parsed');
    const delay = { ...spec, action: 'delay' as const };
    const [p] = faultProblems([{ field: '', f: delay }], 'lab.yaml', { provider: 'ssh', members: ['sys-1'], can: ['kill', 'stop', 'pause', 'partition', 'drop'] }, (_e, key) => (key === 'action' ? '<action>' : `--${key}`));
    expect(p).toMatchObject({ field: '<action>', fix: 'give <action> one of kill, stop, pause, partition, drop, compact, defrag, move-leader (what this cluster takes, docs/faults.md)' });
    expect(p?.fix).not.toContain('quickstart');
  });
});

import { describe, expect, it } from 'vitest';
import type { LinkFault } from '@etcdlab/common';
import { nftClearScript, nftLinkScript } from '../src/cluster/ssh/link-rules.js';
import { faultSupport, parseFaultProbe } from '../src/hostcheck/fault-support.js';

const f = (from: LinkFault['from'], o: Partial<LinkFault> = {}): LinkFault => ({ from, cut: true, delayMs: 0, jitterMs: 0, dropShare: 0, ...o });
const target = { address: '198.18.0.5', peerPort: 2380, clientPort: 2379 };
const rules = (script: string, chain: 'input' | 'output') => {
  const m = new RegExp(`chain ${chain} \\{\\n[^\\n]+\\n((?:    [^\\n]+\\n)*)  \\}`).exec(script);
  return (m?.[1] ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
};

describe('nftables rulesets of link faults on ssh hosts', () => {
  it('a partition from peers drops the peer port both ways on the member\'s own address, never its client port', () => {
    const s = nftLinkScript(target, f('peers'));
    expect(rules(s, 'input')).toEqual(['ip daddr 198.18.0.5 tcp dport 2380 drop', 'ip daddr 198.18.0.5 tcp sport 2380 drop']);
    expect(rules(s, 'output')).toEqual(['ip saddr 198.18.0.5 tcp sport 2380 drop', 'ip saddr 198.18.0.5 tcp dport 2380 drop']);
    expect(s).not.toContain('2379');
    // The earlier table is replaced in the same transaction.
    expect(s.startsWith('table inet etcdlab_fault\ndelete table inet etcdlab_fault\n')).toBe(true);
  });

  it('from clients: what arrives at the client port and what it answers; both: peers and clients', () => {
    const c = nftLinkScript(target, f('clients'));
    expect(rules(c, 'input')).toEqual(['ip daddr 198.18.0.5 tcp dport 2379 drop']);
    expect(rules(c, 'output')).toEqual(['ip saddr 198.18.0.5 tcp sport 2379 drop']);
    const b = nftLinkScript(target, f('both'));
    expect(rules(b, 'input')).toHaveLength(3);
    expect(rules(b, 'output')).toContain('ip saddr 198.18.0.5 tcp sport 2379 drop');
  });

  it('drop loses a share of peer packets only; a host named by DNS is matched by port off loopback; IPv6 uses ip6', () => {
    const d = nftLinkScript({ ...target, address: 'etcd-a.example' }, f('peers', { cut: false, dropShare: 0.25 }));
    expect(rules(d, 'input')[0]).toBe('iifname != "lo" tcp dport 2380 numgen random mod 1000 < 250 drop');
    expect(d).not.toContain('2379');
    expect(rules(nftLinkScript({ ...target, address: 'fd00::5' }, f('clients')), 'input')).toEqual(['ip6 daddr fd00::5 tcp dport 2379 drop']);
  });

  it('refuses a delay (no tc netem path) and a fault that does nothing', () => {
    expect(() => nftLinkScript(target, f('peers', { cut: false, delayMs: 50 }))).toThrow(/netem/);
    expect(() => nftLinkScript(target, f('peers', { cut: false }))).toThrow(/neither/);
    expect(nftClearScript()).toBe('table inet etcdlab_fault\ndelete table inet etcdlab_fault\n');
  });
});

describe('which faults an ssh host can take', () => {
  const probe = (o: { priv?: string; systemd?: string; nft?: string; tables?: string; netem?: string } = {}) =>
    parseFaultProbe([`@@priv ${o.priv ?? 'sudo'}`, `@@systemd ${o.systemd ?? 'running'}`, `@@nft ${o.nft ?? 'ok'}`, '@@tables', o.tables ?? 'table inet filter', `@@netem ${o.netem ?? 'no'}`].join('\n'));

  it('sudo, systemd and nft: every lasting action but delay, which says why and what to use instead', () => {
    const s = faultSupport(probe(), 'etcdops');
    expect(s.can).toEqual(['kill', 'stop', 'pause', 'partition', 'drop']);
    expect(s.cannot).toHaveLength(1);
    expect(s.cannot[0]).toMatchObject({ action: 'delay', why: expect.stringContaining('has no sch_netem'), fix: expect.stringContaining('local cluster') });
    expect(probe().leftover).toBe(false);
    expect(probe({ tables: 'table inet filter\ntable inet etcdlab_fault' }).leftover).toBe(true);
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

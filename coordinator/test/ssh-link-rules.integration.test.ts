import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LinkFault } from '@etcdlab/common';
import { faultTable, nftClearScript, nftLinkScript } from '../src/cluster/ssh/link-rules.js';

// nft's own parser, in check mode (-c): the ruleset is validated by the kernel's nf_tables and nothing is applied.
const check = (script: string) => spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });

describe('link-fault rulesets pass nft -c (integration: the real nft, nothing applied)', () => {
  it('every shape the ssh provider writes', () => {
    const probe = check(nftClearScript([faultTable('sys-1')]));
    if (probe.error) throw new Error(`this test needs nft: apt-get install nftables (or run scripts/test.sh as root): ${probe.error.message}`);
    expect(probe.status, probe.stderr).toBe(0);
    const fault = (o: Partial<LinkFault>): LinkFault => ({ from: 'both', cut: true, delayMs: 0, jitterMs: 0, dropShare: 0, ...o });
    const shapes: [string, string, string[], LinkFault][] = [
      ['sys-1', '198.18.0.5', ['198.18.0.6', '198.18.0.7'], fault({})],
      ['sys-2', '198.18.0.5', ['198.18.0.6'], fault({ from: 'peers' })],
      ['db1.lab', 'fd00::5', ['fd00::6', '198.18.0.7'], fault({ from: 'peers' })],
      ['e_3', 'fd00::5', [], fault({ from: 'clients' })],
      ['etcd-a', 'etcd-a.example', [], fault({ from: 'peers', cut: false, dropShare: 0.3 })],
      ['sys-4', '198.18.0.5', ['198.18.0.6', 'fd00::6'], fault({ from: 'peers', cut: false, dropShare: 0.000001 })],
    ];
    for (const [member, address, peers, f] of shapes) {
      const r = check(nftLinkScript({ member, address, peerPort: 2380, clientPort: 2379, peers }, f));
      expect(r.status, `${member} ${address} ${JSON.stringify(f)}: ${r.stderr}`).toBe(0);
    }
    // Clean-up of several tables at once, the old single table among them.
    const clear = check(nftClearScript(['etcdlab_fault', faultTable('sys-1'), faultTable('db1.lab')]));
    expect(clear.status, clear.stderr).toBe(0);
    // And a broken one is refused, so the check could fail.
    expect(check('table inet etcdlab_fault_x { chain input { type filter hook input priority -10; tcp dport x drop } }').status).not.toBe(0);
  });
});

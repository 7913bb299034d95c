import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LinkFault } from '@etcdlab/common';
import { nftClearScript, nftLinkScript } from '../src/cluster/ssh/link-rules.js';

// nft's own parser, in check mode (-c): the ruleset is validated by the kernel's nf_tables and nothing is applied.
const check = (script: string) => spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });

describe('link-fault rulesets pass nft -c (integration: the real nft, nothing applied)', () => {
  it('every shape the ssh provider writes', () => {
    const probe = check(nftClearScript());
    if (probe.error) throw new Error(`this test needs nft: apt-get install nftables (or run scripts/test.sh as root): ${probe.error.message}`);
    expect(probe.status, probe.stderr).toBe(0);
    const fault = (o: Partial<LinkFault>): LinkFault => ({ from: 'both', cut: true, delayMs: 0, jitterMs: 0, dropShare: 0, ...o });
    const shapes: [string, LinkFault][] = [
      ['198.18.0.5', fault({})],
      ['198.18.0.5', fault({ from: 'peers' })],
      ['fd00::5', fault({ from: 'clients' })],
      ['etcd-a.example', fault({ from: 'peers', cut: false, dropShare: 0.3 })],
    ];
    for (const [address, f] of shapes) {
      const r = check(nftLinkScript({ address, peerPort: 2380, clientPort: 2379 }, f));
      expect(r.status, `${address} ${JSON.stringify(f)}: ${r.stderr}`).toBe(0);
    }
    // And a broken one is refused, so the check could fail.
    expect(check('table inet etcdlab_fault { chain input { type filter hook input priority -10; tcp dport x drop } }').status).not.toBe(0);
  });
});

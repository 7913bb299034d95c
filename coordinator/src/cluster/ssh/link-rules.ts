/**
 * The nftables ruleset of a link fault on an ssh host (pure; docs/faults.md). One table holds the fault,
 * so undoing it, or clearing what a dead coordinator left, is deleting that table. Dropped packets are
 * what a partition is to TCP: nothing passes, the sender retransmits, and the connection goes on once
 * the table is gone. Matching is by the member's own address when it is an IP literal (several members
 * may share a machine on loopback aliases), else by port on every interface but loopback.
 */
import { isIP } from 'node:net';
import type { LinkFault } from '@etcdlab/common';
import { FAULT_TABLE } from '../../hostcheck/fault-support.js';

export interface LinkRuleTarget {
  address: string;
  peerPort: number;
  clientPort: number;
}

/** Rules for one listener port: what arrives at it, what it answers, what the member sends to it elsewhere. */
function portRules(t: LinkRuleTarget, port: number, outgoing: boolean, verdict: string): { input: string[]; output: string[] } {
  const fam = isIP(t.address) === 6 ? 'ip6' : 'ip';
  const local = isIP(t.address) !== 0;
  const into = local ? `${fam} daddr ${t.address}` : 'iifname != "lo"';
  const outof = local ? `${fam} saddr ${t.address}` : 'oifname != "lo"';
  const input = [`${into} tcp dport ${port} ${verdict}`];
  const output = [`${outof} tcp sport ${port} ${verdict}`];
  // Peer links run both ways: the member also connects to its peers' peer port (and hears back from it).
  if (outgoing) {
    input.push(`${into} tcp sport ${port} ${verdict}`);
    output.push(`${outof} tcp dport ${port} ${verdict}`);
  }
  return { input, output };
}

/** `nft -f -` input that replaces any earlier fault table with this fault's; throws for what nft cannot do. */
export function nftLinkScript(t: LinkRuleTarget, f: LinkFault): string {
  if (f.delayMs > 0) throw new Error('a delay on an ssh host needs tc netem, which etcdlab does not apply yet');
  const verdict = f.cut ? 'drop' : `numgen random mod 1000 < ${Math.round(f.dropShare * 1000)} drop`;
  if (!f.cut && !(f.dropShare > 0)) throw new Error('a link fault that neither cuts nor drops');
  const parts = [
    ...(f.from !== 'clients' ? [portRules(t, t.peerPort, true, verdict)] : []),
    ...(f.cut && f.from !== 'peers' ? [portRules(t, t.clientPort, false, verdict)] : []),
  ];
  const chain = (name: string, hook: string, rules: string[]) => [`  chain ${name} {`, `    type filter hook ${hook} priority -10; policy accept;`, ...rules.map((r) => `    ${r}`), '  }'];
  return [
    // Declaring then deleting makes the delete safe when no table exists, all in one transaction.
    `table inet ${FAULT_TABLE}`,
    `delete table inet ${FAULT_TABLE}`,
    `table inet ${FAULT_TABLE} {`,
    ...chain('input', 'input', parts.flatMap((p) => p.input)),
    ...chain('output', 'output', parts.flatMap((p) => p.output)),
    '}',
    '',
  ].join('\n');
}

/** Removes every link fault on the host (nothing to do is fine). */
export const nftClearScript = (): string => `table inet ${FAULT_TABLE}\ndelete table inet ${FAULT_TABLE}\n`;

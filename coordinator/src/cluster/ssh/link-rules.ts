/**
 * The nftables ruleset of a link fault on an ssh host (pure; docs/faults.md). Each member's fault is its
 * own table (`etcdlab_fault_<member>`), so undoing it is deleting that table, two members sharing a
 * machine never replace each other's, and clearing what a dead coordinator left is deleting every table
 * with the prefix. Dropped packets are what a partition is to TCP: nothing passes, the sender
 * retransmits, and the connection goes on once the table is gone. Matching is by the member's own
 * address when it is an IP literal, else by port on every interface but loopback; peer links are also
 * matched by their far end (the other members' addresses), because the kernel picks the source address
 * of the member's own dials and it need not be the member's.
 */
import { isIP } from 'node:net';
import type { LinkFault } from '@etcdlab/common';
import { FAULT_TABLE_PREFIX } from '../../hostcheck/fault-support.js';

export interface LinkRuleTarget {
  /** The member's name: its table's. */
  member: string;
  address: string;
  peerPort: number;
  clientPort: number;
  /** The other members' IP addresses, matched as the far end of its peer links (farEnds). */
  peers?: readonly string[];
}

/** `numgen random mod DROP_MODULUS < share × DROP_MODULUS`: the finest drop share is 1 / DROP_MODULUS. */
export const DROP_MODULUS = 1_000_000;
/** The numgen threshold of a drop share; 0 means the share is too small to draw (refused before a run). */
export const dropThreshold = (share: number): number => Math.round(share * DROP_MODULUS);

/**
 * The member's table. Host names (the inventory's [A-Za-z0-9._-]) are valid nft identifiers as they are,
 * so distinct members keep distinct tables; anything else would become `_`.
 */
export const faultTable = (member: string): string => `${FAULT_TABLE_PREFIX}_${member.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

const isLoopback = (a: string): boolean => a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));

/**
 * Which other members to match as the far end of a member's peer links. None when another member shares
 * its machine (its address is one of the machine's, or both are loopback): a rule on "to a peer's peer
 * port" would also cut that neighbour's own links, and the two cannot be told apart by address.
 */
export function farEnds(self: string, others: readonly string[], machine: readonly string[]): { peers: string[]; sharing: string[] } {
  const local = new Set(machine);
  const sharing = others.filter((o) => local.has(o) || (isLoopback(self) && isLoopback(o)));
  return { peers: sharing.length ? [] : others.filter((o) => isIP(o) !== 0), sharing };
}

const set = (addrs: readonly string[]) => `{ ${addrs.join(', ')} }`;

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
    // Its dials leave from whatever source address the kernel picks: match them by the far end too.
    for (const [f, addrs] of [['ip', (t.peers ?? []).filter((a) => isIP(a) === 4)], ['ip6', (t.peers ?? []).filter((a) => isIP(a) === 6)]] as const) {
      if (!local || addrs.length === 0) continue;
      output.push(`${f} daddr ${set(addrs)} tcp dport ${port} ${verdict}`);
      input.push(`${f} saddr ${set(addrs)} tcp sport ${port} ${verdict}`);
    }
  }
  return { input, output };
}

/** `nft -f -` input that replaces the member's earlier fault table with this fault's; throws for what nft cannot do. */
export function nftLinkScript(t: LinkRuleTarget, f: LinkFault): string {
  if (f.delayMs > 0) throw new Error('a delay on an ssh host needs tc netem, which etcdlab does not apply yet');
  if (!f.cut && !(dropThreshold(f.dropShare) > 0)) throw new Error(f.dropShare > 0 ? `a drop share of ${f.dropShare} is below 1/${DROP_MODULUS}, the finest nftables draws here` : 'a link fault that neither cuts nor drops');
  const verdict = f.cut ? 'drop' : `numgen random mod ${DROP_MODULUS} < ${dropThreshold(f.dropShare)} drop`;
  const parts = [
    ...(f.from !== 'clients' ? [portRules(t, t.peerPort, true, verdict)] : []),
    ...(f.cut && f.from !== 'peers' ? [portRules(t, t.clientPort, false, verdict)] : []),
  ];
  const table = faultTable(t.member);
  const chain = (name: string, hook: string, rules: string[]) => [`  chain ${name} {`, `    type filter hook ${hook} priority -10; policy accept;`, ...rules.map((r) => `    ${r}`), '  }'];
  return [
    // Declaring then deleting makes the delete safe when no table exists, all in one transaction.
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    ...chain('input', 'input', parts.flatMap((p) => p.input)),
    ...chain('output', 'output', parts.flatMap((p) => p.output)),
    '}',
    '',
  ].join('\n');
}

/** Deletes these tables (one member's on undo, every leftover one on clean-up); one missing is fine. */
export const nftClearScript = (tables: readonly string[]): string => tables.map((t) => `table inet ${t}\ndelete table inet ${t}\n`).join('');

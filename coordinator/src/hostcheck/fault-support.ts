/**
 * Which faults an ssh host's member can be given (docs/faults.md, docs/hosts.md), from one small probe
 * (FAULT_PROBE_SCRIPT). Pure: the probe's text in, the kinds out, each missing one with why and the fix.
 * Used by `hosts check` (to say it) and by a run with faults (to refuse before anything is measured).
 */
import type { FaultAction } from '@etcdlab/common';
import { splitSections } from './facts.js';

/**
 * The prefix of the nftables tables link faults live in: one per member (`etcdlab_fault_<member>`,
 * link-rules.ts), so deleting every table with it undoes every link fault on the host.
 */
export const FAULT_TABLE_PREFIX = 'etcdlab_fault';

export interface FaultProbe {
  /** root, sudo (password-less `sudo -n`), or none. */
  privilege: 'root' | 'sudo' | 'none';
  /** `systemctl is-system-running`, or absent. */
  systemd: string;
  /** nft found and `nft list tables` ran (with the privilege above); else why not. */
  nft: true | string;
  /** Where nft was found (a non-root PATH often lacks /usr/sbin): the faults run this one. */
  nftPath?: string;
  /** The kernel has sch_netem (loaded or loadable). */
  netem: boolean;
  /** A link fault a coordinator left behind (it died before undoing it). */
  leftover: boolean;
  /** Those tables, by name (every inet table with the prefix, the old single `etcdlab_fault` too). */
  tables: string[];
  /** The machine's own addresses (other members on them share it). */
  addresses: string[];
}

export interface FaultSupport {
  can: FaultAction[];
  cannot: { action: FaultAction; why: string; fix: string }[];
}

export function parseFaultProbe(text: string): FaultProbe {
  const s = splitSections(text);
  const priv = (s.get('priv') ?? '').trim();
  const nft = (s.get('nft') ?? '').trim();
  const tables = [...(s.get('tables') ?? '').matchAll(new RegExp(`^table inet (${FAULT_TABLE_PREFIX}[\\w./-]*)\\s*$`, 'gm'))].map((m) => m[1] as string);
  const nftPath = (s.get('nftpath') ?? '').trim();
  return {
    privilege: priv === 'root' || priv === 'sudo' ? priv : 'none',
    systemd: (s.get('systemd') ?? '').trim() || 'absent',
    nft: nft === 'ok' ? true : nft || 'not probed',
    ...(nft === 'ok' && nftPath.startsWith('/') ? { nftPath } : {}),
    netem: (s.get('netem') ?? '').trim() === 'yes',
    leftover: tables.length > 0,
    tables,
    addresses: (s.get('addrs') ?? '').split('\n').map((a) => a.trim()).filter(Boolean),
  };
}

/** What the probe allows for a member on this host (lasting actions; compact, defrag, move-leader need nothing). */
export function faultSupport(p: FaultProbe, user: string): FaultSupport {
  const cannot: FaultSupport['cannot'] = [];
  const noPriv = p.privilege === 'none' ? { why: `${user} is not root and has no password-less sudo`, fix: `log in as root, or give ${user} password-less sudo (sudo -n), as deployment needs` } : undefined;
  const systemd = p.systemd === 'running' || p.systemd === 'degraded';
  for (const action of ['kill', 'stop', 'pause'] as const) {
    if (noPriv) cannot.push({ action, ...noPriv });
    else if (!systemd) cannot.push({ action, why: `the member runs without systemd (systemctl is-system-running: ${p.systemd})`, fix: 'run the member on a host booted with systemd' });
  }
  for (const action of ['partition', 'drop'] as const) {
    if (noPriv) cannot.push({ action, ...noPriv });
    else if (p.nft !== true) cannot.push({ action, why: `nftables cannot be used: ${p.nft}`, fix: 'install nftables on the host (apt-get install nftables); the kernel needs nf_tables' });
  }
  cannot.push({
    action: 'delay',
    why: `etcdlab does not delay traffic on ssh hosts yet (it would need tc netem; this kernel ${p.netem ? 'has' : 'has no'} sch_netem)`,
    fix: 'run delay faults on a local cluster (its link proxies delay peer traffic), or use drop',
  });
  const no = new Set(cannot.map((c) => c.action));
  return { can: (['kill', 'stop', 'pause', 'partition', 'drop'] as const).filter((a) => !no.has(a)), cannot };
}

/**
 * Which link faults hold now, by member (pure): what the local cluster's proxies read for every piece of
 * data (link-proxy.ts). A partition from peers cuts every peer connection into or out of the member; from
 * clients, its client connections; delay and drop apply to its peer traffic both ways.
 */
import type { LinkFault } from '@etcdlab/common';
import type { LinkRules } from './link-proxy.js';

export class LinkTable implements LinkRules {
  private readonly faults = new Map<string, LinkFault>();

  set(member: string, fault: LinkFault): void {
    this.faults.set(member, fault);
  }

  clear(member: string): boolean {
    return this.faults.delete(member);
  }

  get active(): string[] {
    return [...this.faults.keys()];
  }

  rule(to: string, from: string | undefined, kind: 'peer' | 'client'): LinkFault | undefined {
    const applies = (f: LinkFault | undefined): f is LinkFault => f !== undefined && (kind === 'client' ? f.cut && f.from !== 'peers' : f.from !== 'clients');
    const hits = [this.faults.get(to), from !== undefined && from !== to ? this.faults.get(from) : undefined].filter(applies);
    if (hits.length === 0) return undefined;
    if (hits.length === 1) return hits[0];
    // Both ends faulty: the worse of each.
    return hits.reduce((a, b) => ({ from: a.from, cut: a.cut || b.cut, delayMs: Math.max(a.delayMs, b.delayMs), jitterMs: Math.max(a.jitterMs, b.jitterMs), dropShare: Math.max(a.dropShare, b.dropShare) }));
  }
}

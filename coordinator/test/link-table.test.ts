import { describe, expect, it } from 'vitest';
import type { LinkFault } from '@etcdlab/common';
import { LinkTable } from '../src/cluster/local/link-table.js';

const f = (from: LinkFault['from'], o: Partial<LinkFault> = {}): LinkFault => ({ from, cut: false, delayMs: 0, jitterMs: 0, dropShare: 0, ...o });

describe('which link fault holds for a connection', () => {
  it('a partition from peers cuts peer links into and out of the member, never client links', () => {
    const t = new LinkTable();
    t.set('etcd-1', f('peers', { cut: true }));
    expect(t.rule('etcd-1', 'etcd-2', 'peer')?.cut).toBe(true);
    expect(t.rule('etcd-2', 'etcd-1', 'peer')?.cut).toBe(true);
    expect(t.rule('etcd-2', 'etcd-3', 'peer')).toBeUndefined();
    expect(t.rule('etcd-1', undefined, 'client')).toBeUndefined();
  });

  it('from clients: only the member\'s client links; both: both', () => {
    const t = new LinkTable();
    t.set('etcd-1', f('clients', { cut: true }));
    expect(t.rule('etcd-1', undefined, 'client')?.cut).toBe(true);
    expect(t.rule('etcd-1', 'etcd-2', 'peer')).toBeUndefined();
    t.set('etcd-1', f('both', { cut: true }));
    expect(t.rule('etcd-1', undefined, 'client')?.cut).toBe(true);
    expect(t.rule('etcd-3', 'etcd-1', 'peer')?.cut).toBe(true);
  });

  it('delay and drop are peer traffic only; two faulty ends give the worse of each', () => {
    const t = new LinkTable();
    t.set('etcd-1', f('peers', { delayMs: 50, jitterMs: 10 }));
    t.set('etcd-2', f('peers', { dropShare: 0.2 }));
    expect(t.rule('etcd-1', undefined, 'client')).toBeUndefined();
    expect(t.rule('etcd-1', 'etcd-2', 'peer')).toEqual({ from: 'peers', cut: false, delayMs: 50, jitterMs: 10, dropShare: 0.2 });
    expect(t.clear('etcd-1')).toBe(true);
    expect(t.active).toEqual(['etcd-2']);
  });
});

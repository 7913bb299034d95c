/**
 * What `cluster replace` does to the cluster's membership, decided from etcd's member list (pure): which
 * entry is the member's old self, whether an earlier, interrupted replace already added it again, and the
 * initial-cluster a member joining an existing cluster must be started with.
 */
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import type { SshMember } from './members.js';

/** A member as etcd lists it (the fields used here; ids as hex, as etcdctl prints them). */
export interface ListedMember {
  id: bigint;
  /** Empty for a member that was added and has not started yet. */
  name: string;
  peerUrls: readonly string[];
}

export interface ReplaceSteps {
  /** The member's old entry, to remove (absent when an earlier replace removed it). */
  remove?: ListedMember;
  /** Already added by an earlier replace and never started: reused rather than added twice. */
  pending?: ListedMember;
}

const sameMember = (m: ListedMember, joining: Pick<SshMember, 'name' | 'peerUrl'>): boolean => m.name === joining.name || m.peerUrls.includes(joining.peerUrl);

export function replaceSteps(list: readonly ListedMember[], joining: Pick<SshMember, 'name' | 'peerUrl'>): ReplaceSteps {
  const mine = list.filter((m) => sameMember(m, joining));
  const pending = mine.find((m) => m.name === '' && m.peerUrls.includes(joining.peerUrl));
  const old = mine.find((m) => m !== pending);
  return { ...(old ? { remove: old } : {}), ...(pending ? { pending } : {}) };
}

/**
 * `initial-cluster` for a member joining with `initial-cluster-state: existing`: every current member's
 * name=peerURL (one pair per URL), the joining one under its own name. A stranger that was added and
 * never started has no name to give: refused, since etcd would refuse the start anyway.
 */
export function joiningInitialCluster(list: readonly ListedMember[], joining: Pick<SshMember, 'name' | 'peerUrl'>, source: string): string {
  const pairs: string[] = [];
  for (const m of list) {
    const name = m.name || (m.peerUrls.includes(joining.peerUrl) ? joining.name : '');
    if (!name)
      throw new ClusterError(ErrorCodes.memberReplaceFailed, `the cluster has a member that was added and never started (id ${m.id.toString(16)}, ${m.peerUrls.join(', ')})`, {
        problems: [{ file: source, field: joining.name, message: 'a half-finished membership change that is not this member', fix: `remove it first: etcdctl member remove ${m.id.toString(16)}` }],
      });
    for (const url of m.peerUrls) pairs.push(`${name}=${url}`);
  }
  return pairs.join(',');
}

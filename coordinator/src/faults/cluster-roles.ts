/**
 * Who leads the cluster right now, from each member's Maintenance.Status (the member id and the leader
 * it follows): the fault runner resolves `leader` and `follower` at the moment of a fault with it.
 */
import type { EtcdClient } from '@etcdlab/agent/etcd';
import type { TargetMember } from '../cluster/target.js';

export interface MemberRole {
  name: string;
  clientUrl: string;
  /** Hex, as etcd's status gives it; undefined when the member did not answer. */
  id?: string;
  /** The leader this member follows (hex); '0' or undefined: none known. */
  leader?: string;
  /** Its raft term: every election (even a failed campaign) raises it. */
  term?: number;
}

export interface ClusterRoles {
  members: MemberRole[];
  /** The member most members name as leader, when it is one of them. */
  leader?: MemberRole;
  /** The highest raft term any member answered with. */
  term?: number;
}

const STATUS_DEADLINE_MS = 1000;

export async function clusterRoles(client: EtcdClient, members: readonly TargetMember[]): Promise<ClusterRoles> {
  const roles = await Promise.all(
    members.map(async (m): Promise<MemberRole> => {
      try {
        const s = await client.status(m.clientUrl, STATUS_DEADLINE_MS);
        return { name: m.name, clientUrl: m.clientUrl, id: s.memberId, leader: s.leader, term: s.raftTerm };
      } catch {
        return { name: m.name, clientUrl: m.clientUrl };
      }
    }),
  );
  const votes = new Map<string, number>();
  for (const r of roles) if (r.leader && r.leader !== '0') votes.set(r.leader, (votes.get(r.leader) ?? 0) + 1);
  const top = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
  const leader = roles.find((r) => r.id !== undefined && r.id === top);
  const terms = roles.flatMap((r) => (r.term !== undefined ? [r.term] : []));
  return { members: roles, ...(leader ? { leader } : {}), ...(terms.length ? { term: Math.max(...terms) } : {}) };
}

/** The members a target names at this moment: `count` of them for follower and random. */
export function pickMembers(target: string, count: number, roles: ClusterRoles, random: () => number = Math.random): { names: string[]; problem?: string } {
  const all = roles.members.map((m) => m.name);
  const shuffle = (xs: string[]): string[] => xs.map((x) => ({ x, k: random() })).sort((a, b) => a.k - b.k).map((e) => e.x);
  if (target === 'leader') return roles.leader ? { names: [roles.leader.name] } : { names: [], problem: 'no member knows a leader at this moment' };
  if (target === 'follower') {
    if (!roles.leader) return { names: [], problem: 'no leader at this moment, so no follower either' };
    const followers = all.filter((n) => n !== roles.leader?.name);
    if (followers.length < count) return { names: [], problem: `${count} follower(s) asked, the cluster has ${followers.length}` };
    return { names: shuffle(followers).slice(0, count) };
  }
  if (target === 'random') {
    if (all.length < count) return { names: [], problem: `${count} member(s) asked, the cluster has ${all.length}` };
    return { names: shuffle(all).slice(0, count) };
  }
  return all.includes(target) ? { names: [target] } : { names: [], problem: `no member named ${target} (members: ${all.join(', ')})` };
}

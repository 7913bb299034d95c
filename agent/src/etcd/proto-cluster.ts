/**
 * Cluster service messages (etcdserverpb/rpc.proto, etcd 3.4): member list, add and remove, for the
 * control plane (`cluster replace`). Member ids are uint64: bigint, rendered in hex as etcdctl does.
 */
import { type MessageEncoder, type ResponseHeader, decodeHeader } from './proto.js';
import { ProtoReader, WireType, lengthDelimitedFieldSize, varintFieldSize } from './wire.js';

export const ClusterRpc = {
  memberList: { path: '/etcdserverpb.Cluster/MemberList', name: 'Cluster.MemberList' },
  memberAdd: { path: '/etcdserverpb.Cluster/MemberAdd', name: 'Cluster.MemberAdd' },
  memberRemove: { path: '/etcdserverpb.Cluster/MemberRemove', name: 'Cluster.MemberRemove' },
} as const;

export interface Member {
  id: bigint;
  /** Empty for a member that was added and has not started yet. */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** MemberListRequest: no fields in 3.4 (3.5's `linearizable` is left at its default). */
export const MemberListRequestEncoder: MessageEncoder<Record<string, never>> = { size: () => 0, write: () => {} };

export const MemberAddRequestEncoder: MessageEncoder<{ peerUrls: readonly string[]; isLearner?: boolean }> = {
  size: (m) => m.peerUrls.reduce((n, u) => n + lengthDelimitedFieldSize(Buffer.byteLength(u)), 0) + (m.isLearner ? 2 : 0),
  write(w, m) {
    for (const u of m.peerUrls) w.bytes(1, Buffer.from(u));
    if (m.isLearner) w.bool(2, true);
  },
};

export const MemberRemoveRequestEncoder: MessageEncoder<{ id: bigint }> = {
  size: (m) => varintFieldSize(m.id),
  write(w, m) {
    w.uint(1, m.id);
  },
};

function decodeMember(r: ProtoReader): Member {
  const start = r.lengthDelimited();
  const sub = new ProtoReader(r.buf, start, r.pos);
  const m: Member = { id: 0n, name: '', peerUrls: [], clientUrls: [], isLearner: false };
  while (sub.more()) {
    const tag = sub.varint();
    switch (tag) {
      case (1 << 3) | WireType.varint: m.id = sub.varintBig(); break;
      case (2 << 3) | WireType.lengthDelimited: m.name = sub.string(); break;
      case (3 << 3) | WireType.lengthDelimited: m.peerUrls.push(sub.string()); break;
      case (4 << 3) | WireType.lengthDelimited: m.clientUrls.push(sub.string()); break;
      case (5 << 3) | WireType.varint: m.isLearner = sub.bool(); break;
      default: sub.skip(tag & 7);
    }
  }
  return m;
}

export interface MembersResponse {
  header: ResponseHeader | undefined;
  /** MemberAdd only: the member just added. */
  added: Member | undefined;
  /** The cluster's members after the call. */
  members: Member[];
}

/**
 * MemberListResponse (members = 2), MemberAddResponse (member = 2, members = 3) and
 * MemberRemoveResponse (members = 2): `addResponse` says which layout field 2 has.
 */
export function decodeMembersResponse(msg: Buffer, addResponse = false): MembersResponse {
  const r = new ProtoReader(msg);
  const res: MembersResponse = { header: undefined, added: undefined, members: [] };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | WireType.lengthDelimited: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.lengthDelimited:
        if (addResponse) res.added = decodeMember(r);
        else res.members.push(decodeMember(r));
        break;
      case (3 << 3) | WireType.lengthDelimited: res.members.push(decodeMember(r)); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

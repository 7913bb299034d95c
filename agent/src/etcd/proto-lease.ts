/** Lease messages (etcdserverpb/rpc.proto, etcd 3.4). Lease ids are int64: bigint, so they stay exact. */
import { type MessageEncoder, type ResponseHeader, decodeHeader } from './proto.js';
import { ProtoReader, WireType, varintFieldSize } from './wire.js';

export interface LeaseGrantRequest {
  ttlSeconds: number;
  /** 0 / absent: etcd picks the id. */
  id?: bigint;
}

export const LeaseGrantRequestEncoder: MessageEncoder<LeaseGrantRequest> = {
  size: (m) => varintFieldSize(m.ttlSeconds) + varintFieldSize(m.id ?? 0n),
  write(w, m) {
    w.uint(1, m.ttlSeconds);
    w.uint(2, m.id ?? 0n);
  },
};

/** LeaseRevokeRequest and LeaseKeepAliveRequest: just the id (field 1). */
export const LeaseIdRequestEncoder: MessageEncoder<{ id: bigint }> = {
  size: (m) => varintFieldSize(m.id),
  write(w, m) {
    w.uint(1, m.id);
  },
};

export interface LeaseResponse {
  header: ResponseHeader | undefined;
  id: bigint;
  /** Seconds; a keep-alive of an expired lease answers -1 or 0. */
  ttl: number;
  /** LeaseGrant only: a refusal etcd reports in the message rather than as a status. */
  error: string;
}

/** LeaseGrantResponse and LeaseKeepAliveResponse share fields 1-3 (grant adds error = 4). */
export function decodeLeaseResponse(msg: Buffer): LeaseResponse {
  const r = new ProtoReader(msg);
  const res: LeaseResponse = { header: undefined, id: 0n, ttl: 0, error: '' };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | WireType.lengthDelimited: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.varint: res.id = BigInt.asIntN(64, r.varintBig()); break;
      case (3 << 3) | WireType.varint: res.ttl = r.int64(); break;
      case (4 << 3) | WireType.lengthDelimited: res.error = r.string(); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

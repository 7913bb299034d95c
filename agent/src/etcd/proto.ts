/**
 * The few etcd v3 messages etcdlab uses (etcdserverpb/rpc.proto and mvccpb/kv.proto, etcd 3.4), encoded and
 * decoded by hand on top of wire.ts. Field numbers were checked against etcd's rpc.proto; fields we do not
 * model are skipped when decoding, so newer servers still parse.
 */
import {
  GRPC_FRAME_HEADER_BYTES,
  ProtoReader,
  ProtoWriter,
  WireType,
  lengthDelimitedFieldSize,
  varintFieldSize,
  writeGrpcFrameHeader,
} from './wire.js';

/** A unary RPC: HTTP/2 path plus a short name for error messages. */
export interface RpcMethod {
  readonly path: string;
  readonly name: string;
}

export const Rpc = {
  range: { path: '/etcdserverpb.KV/Range', name: 'KV.Range' },
  put: { path: '/etcdserverpb.KV/Put', name: 'KV.Put' },
  deleteRange: { path: '/etcdserverpb.KV/DeleteRange', name: 'KV.DeleteRange' },
  status: { path: '/etcdserverpb.Maintenance/Status', name: 'Maintenance.Status' },
  defragment: { path: '/etcdserverpb.Maintenance/Defragment', name: 'Maintenance.Defragment' },
  moveLeader: { path: '/etcdserverpb.Maintenance/MoveLeader', name: 'Maintenance.MoveLeader' },
  txn: { path: '/etcdserverpb.KV/Txn', name: 'KV.Txn' },
  compact: { path: '/etcdserverpb.KV/Compact', name: 'KV.Compact' },
  leaseGrant: { path: '/etcdserverpb.Lease/LeaseGrant', name: 'Lease.LeaseGrant' },
  leaseRevoke: { path: '/etcdserverpb.Lease/LeaseRevoke', name: 'Lease.LeaseRevoke' },
  /** Bidirectional streams (see stream-call.ts). */
  leaseKeepAlive: { path: '/etcdserverpb.Lease/LeaseKeepAlive', name: 'Lease.LeaseKeepAlive' },
  watch: { path: '/etcdserverpb.Watch/Watch', name: 'Watch.Watch' },
} as const satisfies Record<string, RpcMethod>;

// ---- requests ---------------------------------------------------------------------------------------------

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
  /** Lease id (int64); bigint for ids above 2^53. 0 / absent = no lease. */
  lease?: number | bigint;
  prevKv?: boolean;
}

export interface RangeRequest {
  key: Uint8Array;
  /** Exclusive end; absent = the single key. See prefixRangeEnd. */
  rangeEnd?: Uint8Array;
  limit?: number;
  revision?: number;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
}

/** Sizes then writes one message type; split in two so encoding needs exactly one allocation. */
export interface MessageEncoder<T> {
  size(msg: T): number;
  write(w: ProtoWriter, msg: T): void;
}

export const boolFieldSize = (v: boolean | undefined): number => (v ? 2 : 0);
export const bytesFieldSize = (b: Uint8Array | undefined): number => (b && b.length > 0 ? lengthDelimitedFieldSize(b.length) : 0);
const NO_BYTES = Buffer.alloc(0);

export const PutRequestEncoder: MessageEncoder<PutRequest> = {
  size: (m) => bytesFieldSize(m.key) + bytesFieldSize(m.value) + varintFieldSize(m.lease ?? 0) + boolFieldSize(m.prevKv),
  write(w, m) {
    w.bytes(1, m.key);
    w.bytes(2, m.value);
    w.uint(3, m.lease ?? 0);
    w.bool(4, m.prevKv ?? false);
  },
};

export const RangeRequestEncoder: MessageEncoder<RangeRequest> = {
  size: (m) =>
    bytesFieldSize(m.key) +
    bytesFieldSize(m.rangeEnd) +
    varintFieldSize(m.limit ?? 0) +
    varintFieldSize(m.revision ?? 0) +
    boolFieldSize(m.serializable) +
    boolFieldSize(m.keysOnly) +
    boolFieldSize(m.countOnly),
  write(w, m) {
    w.bytes(1, m.key);
    w.bytes(2, m.rangeEnd ?? NO_BYTES);
    w.uint(3, m.limit ?? 0);
    w.uint(4, m.revision ?? 0);
    w.bool(7, m.serializable ?? false);
    w.bool(8, m.keysOnly ?? false);
    w.bool(9, m.countOnly ?? false);
  },
};

export const DeleteRangeRequestEncoder: MessageEncoder<DeleteRangeRequest> = {
  size: (m) => bytesFieldSize(m.key) + bytesFieldSize(m.rangeEnd),
  write(w, m) {
    w.bytes(1, m.key);
    w.bytes(2, m.rangeEnd ?? NO_BYTES);
  },
};

/** MoveLeaderRequest: targetID (1), the member to hand leadership to. */
export const MoveLeaderRequestEncoder: MessageEncoder<{ targetId: bigint }> = {
  size: (m) => varintFieldSize(m.targetId),
  write(w, m) {
    w.uint(1, m.targetId);
  },
};

/** StatusRequest has no fields. */
export const StatusRequestEncoder: MessageEncoder<Record<string, never>> = { size: () => 0, write: () => {} };

/** The bare protobuf message. */
export function encodeMessage<T>(enc: MessageEncoder<T>, msg: T): Buffer {
  const size = enc.size(msg);
  const buf = Buffer.allocUnsafe(size);
  const w = new ProtoWriter(buf, 0);
  enc.write(w, msg);
  if (w.pos !== size) throw new Error(`encoder wrote ${w.pos} bytes but sized ${size}`); // a bug, never input
  return buf;
}

/** The message inside a gRPC frame, written in place after the 5-byte prefix (no copy). */
export function encodeFrame<T>(enc: MessageEncoder<T>, msg: T): Buffer {
  const size = enc.size(msg);
  const buf = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + size);
  writeGrpcFrameHeader(buf, size);
  const w = new ProtoWriter(buf, GRPC_FRAME_HEADER_BYTES);
  enc.write(w, msg);
  if (w.pos !== buf.length) throw new Error(`encoder wrote ${w.pos - GRPC_FRAME_HEADER_BYTES} bytes but sized ${size}`);
  return buf;
}

// ---- responses --------------------------------------------------------------------------------------------

export interface ResponseHeader {
  /** uint64 ids: bigint so they are exact (render with toString(16) like etcdctl). */
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

export interface KeyValue {
  /** key and value are views into the response buffer. */
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
}

export interface PutResponse {
  header: ResponseHeader | undefined;
}

export interface RangeResponse {
  header: ResponseHeader | undefined;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface DeleteRangeResponse {
  header: ResponseHeader | undefined;
  deleted: number;
}

export interface StatusResponse {
  header: ResponseHeader | undefined;
  version: string;
  dbSize: number;
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}

/** Reads a ResponseHeader field's payload (the reader is positioned at its length). */
export function decodeHeader(r: ProtoReader): ResponseHeader {
  const start = r.lengthDelimited();
  const sub = new ProtoReader(r.buf, start, r.pos);
  const h: ResponseHeader = { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 };
  while (sub.more()) {
    const tag = sub.varint();
    switch (tag) {
      case (1 << 3) | WireType.varint: h.clusterId = sub.varintBig(); break;
      case (2 << 3) | WireType.varint: h.memberId = sub.varintBig(); break;
      case (3 << 3) | WireType.varint: h.revision = sub.int64(); break;
      case (4 << 3) | WireType.varint: h.raftTerm = sub.varint(); break;
      default: sub.skip(tag & 7);
    }
  }
  return h;
}

/** Reads an mvccpb.KeyValue field's payload (the reader is positioned at its length). */
export function decodeKeyValue(r: ProtoReader): KeyValue {
  const start = r.lengthDelimited();
  const sub = new ProtoReader(r.buf, start, r.pos);
  const kv: KeyValue = { key: NO_BYTES, value: NO_BYTES, createRevision: 0, modRevision: 0, version: 0, lease: 0n };
  while (sub.more()) {
    const tag = sub.varint();
    switch (tag) {
      case (1 << 3) | WireType.lengthDelimited: kv.key = sub.bytes(); break;
      case (2 << 3) | WireType.varint: kv.createRevision = sub.int64(); break;
      case (3 << 3) | WireType.varint: kv.modRevision = sub.int64(); break;
      case (4 << 3) | WireType.varint: kv.version = sub.int64(); break;
      case (5 << 3) | WireType.lengthDelimited: kv.value = sub.bytes(); break;
      case (6 << 3) | WireType.varint: kv.lease = BigInt.asIntN(64, sub.varintBig()); break;
      default: sub.skip(tag & 7);
    }
  }
  return kv;
}

const HEADER_TAG = (1 << 3) | WireType.lengthDelimited;

export function decodePutResponse(msg: Buffer): PutResponse {
  const r = new ProtoReader(msg);
  let header: ResponseHeader | undefined;
  while (r.more()) {
    const tag = r.varint();
    if (tag === HEADER_TAG) header = decodeHeader(r);
    else r.skip(tag & 7);
  }
  return { header };
}

export function decodeRangeResponse(msg: Buffer): RangeResponse {
  const r = new ProtoReader(msg);
  const res: RangeResponse = { header: undefined, kvs: [], more: false, count: 0 };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case HEADER_TAG: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.lengthDelimited: res.kvs.push(decodeKeyValue(r)); break;
      case (3 << 3) | WireType.varint: res.more = r.bool(); break;
      case (4 << 3) | WireType.varint: res.count = r.int64(); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

export function decodeDeleteRangeResponse(msg: Buffer): DeleteRangeResponse {
  const r = new ProtoReader(msg);
  const res: DeleteRangeResponse = { header: undefined, deleted: 0 };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case HEADER_TAG: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.varint: res.deleted = r.int64(); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

export function decodeStatusResponse(msg: Buffer): StatusResponse {
  const r = new ProtoReader(msg);
  const res: StatusResponse = {
    header: undefined, version: '', dbSize: 0, leader: 0n, raftIndex: 0, raftTerm: 0,
    raftAppliedIndex: 0, errors: [], dbSizeInUse: 0, isLearner: false,
  };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case HEADER_TAG: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.lengthDelimited: res.version = r.string(); break;
      case (3 << 3) | WireType.varint: res.dbSize = r.int64(); break;
      case (4 << 3) | WireType.varint: res.leader = r.varintBig(); break;
      case (5 << 3) | WireType.varint: res.raftIndex = r.varint(); break;
      case (6 << 3) | WireType.varint: res.raftTerm = r.varint(); break;
      case (7 << 3) | WireType.varint: res.raftAppliedIndex = r.varint(); break;
      case (8 << 3) | WireType.lengthDelimited: res.errors.push(r.string()); break;
      case (9 << 3) | WireType.varint: res.dbSizeInUse = r.int64(); break;
      case (10 << 3) | WireType.varint: res.isLearner = r.bool(); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

// ---- key ranges -------------------------------------------------------------------------------------------

/**
 * The exclusive range end covering every key that starts with prefix, as etcd defines it: drop trailing
 * 0xff bytes, then increment the last byte ("a\xff" -> "b"). A prefix that is empty or all 0xff has no
 * upper bound, which etcd spells as the single byte "\0".
 */
export function prefixRangeEnd(prefix: Uint8Array): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const b = prefix[i]!;
    if (b < 0xff) {
      const end = Buffer.allocUnsafe(i + 1);
      end.set(prefix.subarray(0, i), 0);
      end[i] = b + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

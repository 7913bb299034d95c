/**
 * Txn and Compact (etcdserverpb/rpc.proto, etcd 3.4): hand-encoded like proto.ts. A transaction nests
 * Compare and RequestOp messages, so sizes are computed bottom-up before the single allocation.
 */
import {
  type DeleteRangeRequest,
  DeleteRangeRequestEncoder,
  type DeleteRangeResponse,
  type MessageEncoder,
  type PutRequest,
  PutRequestEncoder,
  type PutResponse,
  type RangeRequest,
  RangeRequestEncoder,
  type RangeResponse,
  type ResponseHeader,
  boolFieldSize,
  bytesFieldSize,
  decodeDeleteRangeResponse,
  decodeHeader,
  decodePutResponse,
  decodeRangeResponse,
} from './proto.js';
import { ProtoReader, type ProtoWriter, WireType, varintFieldSize, varintSize, varintSizeBig } from './wire.js';

export const CompareTarget = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;
export const CompareResult = { equal: 0, greater: 1, less: 2, notEqual: 3 } as const;

export interface Compare {
  key: Uint8Array;
  target: keyof typeof CompareTarget;
  result: keyof typeof CompareResult;
  /** The number (version, revisions, lease) or bytes (value) to compare with. */
  against: number | bigint | Uint8Array;
  rangeEnd?: Uint8Array;
}

export type RequestOp = { put: PutRequest } | { range: RangeRequest } | { deleteRange: DeleteRangeRequest };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure?: RequestOp[];
}

export interface ResponseOp {
  range?: RangeResponse;
  put?: PutResponse;
  deleteRange?: DeleteRangeResponse;
}

export interface TxnResponse {
  header: ResponseHeader | undefined;
  succeeded: boolean;
  responses: ResponseOp[];
}

const TARGET_UNION_FIELD = { version: 4, create: 5, mod: 6, value: 7, lease: 8 } as const;
const RANGE_END_FIELD = 64;
const nested = (len: number): number => 1 + varintSize(len) + len;
const intSize = (v: number | bigint): number => (typeof v === 'bigint' ? varintSizeBig(v) : varintSize(v));

function compareSize(c: Compare): number {
  // The target_union member is a oneof: it is sent even when zero, or etcd would not know which it is.
  const union = c.against instanceof Uint8Array ? nested(c.against.length) : 1 + intSize(c.against);
  const rangeEnd = c.rangeEnd && c.rangeEnd.length > 0 ? 2 + varintSize(c.rangeEnd.length) + c.rangeEnd.length : 0;
  return varintFieldSize(CompareResult[c.result]) + varintFieldSize(CompareTarget[c.target]) + bytesFieldSize(c.key) + union + rangeEnd;
}

function writeCompare(w: ProtoWriter, c: Compare): void {
  w.uint(1, CompareResult[c.result]);
  w.uint(2, CompareTarget[c.target]);
  w.bytes(3, c.key);
  const field = TARGET_UNION_FIELD[c.target];
  if (c.against instanceof Uint8Array) {
    w.tag(field, WireType.lengthDelimited);
    w.varint(c.against.length);
    w.buf.set(c.against, w.pos);
    w.pos += c.against.length;
  } else {
    w.tag(field, WireType.varint);
    if (typeof c.against === 'bigint') w.varintBig(c.against);
    else w.varint(c.against);
  }
  if (c.rangeEnd && c.rangeEnd.length > 0) w.bytes(RANGE_END_FIELD, c.rangeEnd);
}

function opParts(op: RequestOp): { field: number; enc: MessageEncoder<never>; msg: never } {
  if ('put' in op) return { field: 2, enc: PutRequestEncoder as MessageEncoder<never>, msg: op.put as never };
  if ('range' in op) return { field: 1, enc: RangeRequestEncoder as MessageEncoder<never>, msg: op.range as never };
  return { field: 3, enc: DeleteRangeRequestEncoder as MessageEncoder<never>, msg: op.deleteRange as never };
}

/** Size of a RequestOp message (its oneof member, nested). */
function requestOpSize(op: RequestOp): number {
  const { enc, msg } = opParts(op);
  return nested(enc.size(msg));
}

function writeNested(w: ProtoWriter, field: number, size: number, write: () => void): void {
  w.tag(field, WireType.lengthDelimited);
  w.varint(size);
  const end = w.pos + size;
  write();
  if (w.pos !== end) throw new Error(`nested field ${field}: wrote ${size - (end - w.pos)} of ${size} bytes`); // a bug
}

function writeRequestOp(w: ProtoWriter, field: number, op: RequestOp): void {
  writeNested(w, field, requestOpSize(op), () => {
    const { field: member, enc, msg } = opParts(op);
    writeNested(w, member, enc.size(msg), () => enc.write(w, msg));
  });
}

export const TxnRequestEncoder: MessageEncoder<TxnRequest> = {
  size(m) {
    let n = 0;
    for (const c of m.compare) n += nested(compareSize(c));
    for (const op of m.success) n += nested(requestOpSize(op));
    for (const op of m.failure ?? []) n += nested(requestOpSize(op));
    return n;
  },
  write(w, m) {
    for (const c of m.compare) writeNested(w, 1, compareSize(c), () => writeCompare(w, c));
    for (const op of m.success) writeRequestOp(w, 2, op);
    for (const op of m.failure ?? []) writeRequestOp(w, 3, op);
  },
};

export interface CompactionRequest {
  revision: number;
  physical?: boolean;
}

export const CompactionRequestEncoder: MessageEncoder<CompactionRequest> = {
  size: (m) => varintFieldSize(m.revision) + boolFieldSize(m.physical),
  write(w, m) {
    w.uint(1, m.revision);
    w.bool(2, m.physical ?? false);
  },
};

const HEADER_TAG = (1 << 3) | WireType.lengthDelimited;

function decodeResponseOp(buf: Buffer, start: number, end: number): ResponseOp {
  const r = new ProtoReader(buf, start, end);
  const out: ResponseOp = {};
  while (r.more()) {
    const tag = r.varint();
    const wire = tag & 7;
    if (wire !== WireType.lengthDelimited) {
      r.skip(wire);
      continue;
    }
    const s = r.lengthDelimited();
    const body = buf.subarray(s, r.pos);
    if (tag >>> 3 === 1) out.range = decodeRangeResponse(body);
    else if (tag >>> 3 === 2) out.put = decodePutResponse(body);
    else if (tag >>> 3 === 3) out.deleteRange = decodeDeleteRangeResponse(body);
  }
  return out;
}

export function decodeTxnResponse(msg: Buffer): TxnResponse {
  const r = new ProtoReader(msg);
  const res: TxnResponse = { header: undefined, succeeded: false, responses: [] };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case HEADER_TAG: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.varint: res.succeeded = r.bool(); break;
      case (3 << 3) | WireType.lengthDelimited: {
        const s = r.lengthDelimited();
        res.responses.push(decodeResponseOp(msg, s, r.pos));
        break;
      }
      default: r.skip(tag & 7);
    }
  }
  return res;
}

/** Responses made of a header only (Compact, LeaseRevoke): the same wire shape as PutResponse. */
export const decodeHeaderOnly = (msg: Buffer): { header: ResponseHeader | undefined } => decodePutResponse(msg);

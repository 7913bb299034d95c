/** Watch messages (etcdserverpb/rpc.proto and mvccpb/kv.proto, etcd 3.4). */
import { type KeyValue, type MessageEncoder, type ResponseHeader, boolFieldSize, bytesFieldSize, decodeHeader, decodeKeyValue } from './proto.js';
import { ProtoReader, WireType, varintFieldSize, varintSize } from './wire.js';

export interface WatchCreateRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  startRevision?: number;
  progressNotify?: boolean;
  /** Server-side filters: leave out put or delete events. */
  noPut?: boolean;
  noDelete?: boolean;
  prevKv?: boolean;
}

function createSize(m: WatchCreateRequest): number {
  const filters = (m.noPut ? 1 : 0) + (m.noDelete ? 1 : 0);
  return (
    bytesFieldSize(m.key) +
    bytesFieldSize(m.rangeEnd) +
    varintFieldSize(m.startRevision ?? 0) +
    boolFieldSize(m.progressNotify) +
    (filters > 0 ? 2 + filters : 0) + // packed repeated enum: tag, length, one byte per value
    boolFieldSize(m.prevKv)
  );
}

/** WatchRequest{create_request}. */
export const WatchCreateEncoder: MessageEncoder<WatchCreateRequest> = {
  size: (m) => {
    const n = createSize(m);
    return 1 + varintSize(n) + n;
  },
  write(w, m) {
    w.tag(1, WireType.lengthDelimited);
    w.varint(createSize(m));
    w.bytes(1, m.key);
    w.bytes(2, m.rangeEnd ?? Buffer.alloc(0));
    w.uint(3, m.startRevision ?? 0);
    w.bool(4, m.progressNotify ?? false);
    const filters = [...(m.noPut ? [0] : []), ...(m.noDelete ? [1] : [])];
    if (filters.length > 0) {
      w.tag(5, WireType.lengthDelimited);
      w.varint(filters.length);
      for (const f of filters) w.buf[w.pos++] = f;
    }
    w.bool(6, m.prevKv ?? false);
  },
};

/** WatchRequest{cancel_request{watch_id}}. */
export const WatchCancelEncoder: MessageEncoder<{ watchId: number }> = {
  size: (m) => {
    const n = varintFieldSize(m.watchId);
    return 1 + varintSize(n) + n;
  },
  write(w, m) {
    w.tag(2, WireType.lengthDelimited);
    w.varint(varintFieldSize(m.watchId));
    w.uint(1, m.watchId);
  },
};

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
}

export interface WatchResponse {
  header: ResponseHeader | undefined;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: WatchEvent[];
}

function decodeEvent(r: ProtoReader): WatchEvent {
  const start = r.lengthDelimited();
  const sub = new ProtoReader(r.buf, start, r.pos);
  const ev: WatchEvent = { type: 'put', kv: { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0, version: 0, lease: 0n } };
  while (sub.more()) {
    const tag = sub.varint();
    switch (tag) {
      case (1 << 3) | WireType.varint: ev.type = sub.varint() === 1 ? 'delete' : 'put'; break;
      case (2 << 3) | WireType.lengthDelimited: ev.kv = decodeKeyValue(sub); break;
      default: sub.skip(tag & 7);
    }
  }
  return ev;
}
const EMPTY = Buffer.alloc(0);

export function decodeWatchResponse(msg: Buffer): WatchResponse {
  const r = new ProtoReader(msg);
  const res: WatchResponse = { header: undefined, watchId: 0, created: false, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events: [] };
  while (r.more()) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | WireType.lengthDelimited: res.header = decodeHeader(r); break;
      case (2 << 3) | WireType.varint: res.watchId = r.int64(); break;
      case (3 << 3) | WireType.varint: res.created = r.bool(); break;
      case (4 << 3) | WireType.varint: res.canceled = r.bool(); break;
      case (5 << 3) | WireType.varint: res.compactRevision = r.int64(); break;
      case (6 << 3) | WireType.lengthDelimited: res.cancelReason = r.string(); break;
      case (7 << 3) | WireType.varint: res.fragment = r.bool(); break;
      case (11 << 3) | WireType.lengthDelimited: res.events.push(decodeEvent(r)); break;
      default: r.skip(tag & 7);
    }
  }
  return res;
}

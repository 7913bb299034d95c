import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/etcd/proto.js';
import { CompactionRequestEncoder, TxnRequestEncoder, decodeTxnResponse } from '../src/etcd/proto-txn.js';
import { LeaseGrantRequestEncoder, LeaseIdRequestEncoder, decodeLeaseResponse } from '../src/etcd/proto-lease.js';
import { WatchCancelEncoder, WatchCreateEncoder, decodeWatchResponse } from '../src/etcd/proto-watch.js';
import { ProtoWriter } from '../src/etcd/wire.js';

const b = (s: string): Buffer => Buffer.from(s);
const hex = (buf: Buffer): string => buf.toString('hex').replace(/(..)/g, '$1 ').trim();

/** Builds a message with a writer callback into an oversized buffer. */
function build(write: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter(Buffer.alloc(4096));
  write(w);
  return w.buf.subarray(0, w.pos);
}
const nested = (w: ProtoWriter, field: number, body: Buffer) => {
  w.tag(field, 2);
  w.varint(body.length);
  w.buf.set(body, w.pos);
  w.pos += body.length;
};

describe('Txn, Compact, Lease and Watch messages (rpc.proto field numbers)', () => {
  it('encodes a compare-and-set transaction byte for byte, with the oneof compare value even when 0', () => {
    const msg = encodeMessage(TxnRequestEncoder, {
      compare: [{ key: b('k'), target: 'mod', result: 'equal', against: 0 }],
      success: [{ put: { key: b('k'), value: b('v') } }],
      failure: [{ range: { key: b('k') } }],
    });
    // compare{target=MOD, key, mod_revision=0} success{request_put{key, value}} failure{request_range{key}}
    expect(hex(msg)).toBe('0a 07 10 02 1a 01 6b 30 00 12 08 12 06 0a 01 6b 12 01 76 1a 05 0a 03 0a 01 6b');
    const del = encodeMessage(TxnRequestEncoder, { compare: [{ key: b('k'), target: 'version', result: 'greater', against: 300, rangeEnd: b('l') }], success: [{ deleteRange: { key: b('k') } }] });
    // result=GREATER, key, version=300 (field 4), range_end (field 64: a two-byte tag)
    expect(hex(del)).toBe('0a 0c 08 01 1a 01 6b 20 ac 02 82 04 01 6c 12 05 1a 03 0a 01 6b');
    const value = encodeMessage(TxnRequestEncoder, { compare: [{ key: b('k'), target: 'value', result: 'notEqual', against: b('') }], success: [] });
    expect(hex(value)).toBe('0a 09 08 03 10 03 1a 01 6b 3a 00');
  });

  it('decodes a transaction response: header, succeeded, and each op\'s response', () => {
    const range = build((w) => {
      nested(w, 1, build((h) => h.uint(3, 42)));
      nested(w, 2, build((kv) => { kv.bytes(1, b('k')); kv.uint(3, 41); kv.bytes(5, b('v')); }));
      w.uint(4, 1);
    });
    const msg = build((w) => {
      nested(w, 1, build((h) => h.uint(3, 42)));
      w.bool(2, false);
      nested(w, 3, build((op) => nested(op, 1, range)));
    });
    const r = decodeTxnResponse(msg);
    expect(r.succeeded).toBe(false);
    expect(r.header?.revision).toBe(42);
    expect(r.responses[0]!.range!.kvs[0]!.modRevision).toBe(41);
    expect(r.responses[0]!.range!.kvs[0]!.value.toString()).toBe('v');
    const ok = decodeTxnResponse(build((w) => { w.bool(2, true); nested(w, 3, build((op) => nested(op, 2, build((p) => nested(p, 1, build((h) => h.uint(3, 43))))))); }));
    expect(ok.succeeded).toBe(true);
    expect(ok.responses[0]!.put!.header!.revision).toBe(43);
  });

  it('encodes Compact and the lease requests; decodes lease answers with exact 64-bit ids', () => {
    expect(hex(encodeMessage(CompactionRequestEncoder, { revision: 1000, physical: true }))).toBe('08 e8 07 10 01');
    expect(hex(encodeMessage(LeaseGrantRequestEncoder, { ttlSeconds: 60 }))).toBe('08 3c');
    const id = (1n << 62n) + 12345n;
    const idMsg = encodeMessage(LeaseIdRequestEncoder, { id });
    const grant = decodeLeaseResponse(build((w) => { nested(w, 1, build((h) => h.uint(3, 9))); w.uint(2, id); w.uint(3, 60); }));
    expect(grant).toMatchObject({ id, ttl: 60, error: '' });
    expect(grant.header?.revision).toBe(9);
    expect(idMsg[0]).toBe(0x08);
    expect(decodeLeaseResponse(build((w) => { w.uint(2, id); w.bytes(4, b('etcdserver: too many requests')); })).error).toBe('etcdserver: too many requests');
    // An expired lease answers a keep-alive with TTL -1.
    expect(decodeLeaseResponse(build((w) => { w.uint(2, 7n); w.uint(3, -1); })).ttl).toBe(-1);
  });

  it('encodes watch creates (with filters) and cancels; decodes events with their type, key and revision', () => {
    expect(hex(encodeMessage(WatchCreateEncoder, { key: b('a'), rangeEnd: b('b'), noDelete: true }))).toBe('0a 09 0a 01 61 12 01 62 2a 01 01');
    expect(hex(encodeMessage(WatchCreateEncoder, { key: b('a'), startRevision: 5, prevKv: true }))).toBe('0a 07 0a 01 61 18 05 30 01');
    expect(hex(encodeMessage(WatchCancelEncoder, { watchId: 3 }))).toBe('12 02 08 03');
    const msg = Buffer.from('0a02180510031a00' + '5a09080112050a016b1807' + '5a0a120818070a016c2a0178', 'hex');
    const r = decodeWatchResponse(msg);
    expect(r.header?.revision).toBe(5);
    expect(r.watchId).toBe(3);
    expect(r.events).toHaveLength(2);
    expect(r.events[0]).toMatchObject({ type: 'delete', kv: { modRevision: 7 } });
    expect(r.events[0]!.kv.key.toString()).toBe('k');
    expect(r.events[1]!.type).toBe('put');
    expect(r.events[1]!.kv.value.toString()).toBe('x');
    const created = decodeWatchResponse(Buffer.from('1001' + '1801' + '2001' + '3205' + Buffer.from('gone!').toString('hex'), 'hex'));
    expect(created).toMatchObject({ watchId: 1, created: true, canceled: true, cancelReason: 'gone!' });
  });
});

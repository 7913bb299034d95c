import { constants as h2 } from 'node:http2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeleteRangeRequestEncoder,
  EtcdRequestError,
  GrpcStatus,
  ProtoDecodeError,
  ProtoReader,
  ProtoWriter,
  PutRequestEncoder,
  RangeRequestEncoder,
  StatusRequestEncoder,
  decodeDeleteRangeResponse,
  decodeGrpcMessage,
  decodePutResponse,
  decodeRangeResponse,
  decodeStatusResponse,
  encodeFrame,
  encodeMessage,
  frameMessage,
  grpcStatusCode,
  grpcStatusName,
  grpcTimeout,
  parseEndpoint,
  parseGrpcStatus,
  prefixRangeEnd,
  statusFromHttpStatus,
  statusFromRstCode,
  unframeMessage,
  varintSize,
  varintSizeBig,
} from '@etcdlab/agent/etcd';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Builds a message with the writer (sized generously, then trimmed), as a server would send it. */
function build(write: (w: ProtoWriter) => void, size = 4096): Buffer {
  const w = new ProtoWriter(Buffer.alloc(size));
  write(w);
  return w.buf.subarray(0, w.pos);
}

function writeVarint(n: number): Buffer {
  return build((w) => w.varint(n));
}

describe('varint', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32, '8080808010'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ])('%d encodes as %s and back', (n, bytes) => {
    const buf = writeVarint(n);
    expect(hex(buf)).toBe(bytes);
    expect(varintSize(n)).toBe(buf.length);
    const r = new ProtoReader(buf);
    expect(r.varint()).toBe(n);
    expect(r.more()).toBe(false);
  });

  it('round-trips every safe integer (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const buf = writeVarint(n);
        return buf.length === varintSize(n) && new ProtoReader(buf).varint() === n;
      }),
    );
  });

  it('writes negative int64 as 10-byte two\'s complement and reads it back exactly', () => {
    const buf = writeVarint(-1);
    expect(hex(buf)).toBe('ffffffffffffffffff01');
    expect(varintSize(-1)).toBe(10);
    expect(new ProtoReader(buf).int64()).toBe(-1);
    expect(new ProtoReader(writeVarint(-123456789)).int64()).toBe(-123456789);
  });

  it('keeps full uint64 precision through the bigint path', () => {
    for (const v of [0n, 1n, 2n ** 53n + 1n, 0x8e9e05c52164694dn, 2n ** 64n - 1n]) {
      const buf = build((w) => w.varintBig(v));
      expect(buf.length).toBe(varintSizeBig(v));
      expect(new ProtoReader(buf).varintBig()).toBe(v);
    }
  });

  it('rejects truncated and over-long varints', () => {
    expect(() => new ProtoReader(Buffer.from([0x80, 0x80])).varint()).toThrow(ProtoDecodeError);
    expect(() => new ProtoReader(Buffer.alloc(11, 0x80)).varint()).toThrow(/longer than 10 bytes/);
    expect(() => new ProtoReader(Buffer.alloc(11, 0x80)).varintBig()).toThrow(ProtoDecodeError);
    expect(() => new ProtoReader(Buffer.alloc(0)).varint()).toThrow(/truncated/);
  });
});

describe('request encoders (golden bytes per etcd rpc.proto field numbers)', () => {
  it('PutRequest: key=1, value=2, lease=3, prev_kv=4', () => {
    expect(hex(encodeMessage(PutRequestEncoder, { key: b('foo'), value: b('bar') }))).toBe('0a03666f6f1203626172');
    const withLease = encodeMessage(PutRequestEncoder, { key: b('k'), value: b('v'), lease: 0x694d7a5b1e2c3f4an, prevKv: true });
    expect(hex(withLease)).toBe('0a016b120176' + '18' + hex(build((w) => w.varintBig(0x694d7a5b1e2c3f4an))) + '2001');
    expect(hex(encodeMessage(PutRequestEncoder, { key: b('k'), value: b(''), lease: 7 }))).toBe('0a016b1807');
  });

  it('RangeRequest: key=1 range_end=2 limit=3 revision=4 serializable=7 keys_only=8 count_only=9', () => {
    const all = { key: b('a'), rangeEnd: b('b'), limit: 10, revision: 5, serializable: true, keysOnly: true, countOnly: true };
    expect(hex(encodeMessage(RangeRequestEncoder, all))).toBe('0a0161120162180a2005380140014801');
    expect(hex(encodeMessage(RangeRequestEncoder, { key: b('a') }))).toBe('0a0161');
  });

  it('DeleteRangeRequest: key=1 range_end=2; StatusRequest is empty', () => {
    expect(hex(encodeMessage(DeleteRangeRequestEncoder, { key: b('a'), rangeEnd: b('b') }))).toBe('0a0161120162');
    expect(encodeMessage(StatusRequestEncoder, {}).length).toBe(0);
  });

  it('encodes large values with the right length prefix', () => {
    const value = Buffer.alloc(200_000, 7);
    const msg = encodeMessage(PutRequestEncoder, { key: b('k'), value });
    const r = new ProtoReader(msg);
    expect(r.varint()).toBe(0x0a);
    expect(r.bytes().toString()).toBe('k');
    expect(r.varint()).toBe(0x12);
    expect(r.bytes().equals(value)).toBe(true);
  });
});

describe('gRPC framing', () => {
  it('encodeFrame writes the 5-byte prefix in place, equal to frameMessage(encodeMessage)', () => {
    const req = { key: b('foo'), value: b('bar') };
    const framed = encodeFrame(PutRequestEncoder, req);
    expect(hex(framed.subarray(0, 5))).toBe('000000000a');
    expect(framed.equals(frameMessage(encodeMessage(PutRequestEncoder, req)))).toBe(true);
    expect(unframeMessage(framed).equals(encodeMessage(PutRequestEncoder, req))).toBe(true);
    expect(hex(encodeFrame(StatusRequestEncoder, {}))).toBe('0000000000');
  });

  it('rejects compressed, short and mismatched frames', () => {
    expect(() => unframeMessage(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => unframeMessage(Buffer.from([0, 0, 0]))).toThrow(ProtoDecodeError);
    expect(() => unframeMessage(Buffer.from([0, 0, 0, 0, 2, 1]))).toThrow(/says 2 bytes/);
    expect(() => unframeMessage(Buffer.from([0, 0, 0, 0, 0, 1]))).toThrow(ProtoDecodeError);
  });
});

// Response header as etcd sends it; member id above 2^53 to prove ids stay exact.
const MEMBER = 0x8e9e05c52164694dn;
const writeHeader = (w: ProtoWriter, field = 1): void => {
  const h = build((x) => {
    x.uint(1, 0x1234567890abcdefn);
    x.uint(2, MEMBER);
    x.uint(3, 42);
    x.uint(4, 7);
  });
  w.bytes(field, h);
};

describe('response decoders', () => {
  it('PutResponse header (cluster_id=1 member_id=2 revision=3 raft_term=4), skipping unknown fields', () => {
    const msg = build((w) => {
      writeHeader(w);
      w.bytes(2, b('prev kv we do not model'));
      w.uint(15, 99);
    });
    expect(decodePutResponse(msg).header).toEqual({ clusterId: 0x1234567890abcdefn, memberId: MEMBER, revision: 42, raftTerm: 7 });
    expect(MEMBER.toString(16)).toBe('8e9e05c52164694d');
  });

  it('RangeResponse kvs=2 (KeyValue key=1 create=2 mod=3 version=4 value=5 lease=6) more=3 count=4', () => {
    const kv = (key: string, value: string, rev: number): Buffer =>
      build((w) => {
        w.bytes(1, b(key));
        w.uint(2, rev);
        w.uint(3, rev + 1);
        w.uint(4, 2);
        w.bytes(5, b(value));
        w.uint(6, 0x694d7a5b1e2c3f4an);
      });
    const msg = build((w) => {
      writeHeader(w);
      w.bytes(2, kv('a', 'one', 10));
      w.bytes(2, kv('b', '', 20));
      w.bool(3, true);
      w.uint(4, 17);
    });
    const res = decodeRangeResponse(msg);
    expect(res.more).toBe(true);
    expect(res.count).toBe(17);
    expect(res.kvs.map((k) => [k.key.toString(), k.value.toString(), k.createRevision, k.modRevision, k.version])).toEqual([
      ['a', 'one', 10, 11, 2],
      ['b', '', 20, 21, 2],
    ]);
    expect(res.kvs[0]!.lease).toBe(0x694d7a5b1e2c3f4an);
    expect(decodeRangeResponse(build(writeHeader))).toMatchObject({ kvs: [], more: false, count: 0 });
  });

  it('DeleteRangeResponse deleted=2', () => {
    expect(decodeDeleteRangeResponse(build((w) => (writeHeader(w), w.uint(2, 3)))).deleted).toBe(3);
    expect(decodeDeleteRangeResponse(build(writeHeader)).deleted).toBe(0);
  });

  it('StatusResponse fields 1..10', () => {
    const msg = build((w) => {
      writeHeader(w);
      w.bytes(2, b('3.4.23'));
      w.uint(3, 20480);
      w.uint(4, MEMBER);
      w.uint(5, 100);
      w.uint(6, 3);
      w.uint(7, 99);
      w.bytes(8, b('NOSPACE'));
      w.bytes(8, b('second'));
      w.uint(9, 16384);
      w.bool(10, true);
    });
    const s = decodeStatusResponse(msg);
    expect(s).toMatchObject({ version: '3.4.23', dbSize: 20480, leader: MEMBER, raftIndex: 100, raftTerm: 3, raftAppliedIndex: 99 });
    expect(s).toMatchObject({ errors: ['NOSPACE', 'second'], dbSizeInUse: 16384, isLearner: true });
    expect(s.header?.memberId).toBe(MEMBER);
  });

  it('throws ProtoDecodeError on truncated or malformed messages, never loops', () => {
    const msg = build((w) => (writeHeader(w), w.bytes(2, b('abc'))));
    for (let cut = 1; cut < msg.length; cut++) {
      // Every strict prefix either decodes (cut on a field boundary) or throws ProtoDecodeError.
      try {
        decodeRangeResponse(msg.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(ProtoDecodeError);
      }
    }
    expect(() => decodeRangeResponse(Buffer.from([0x12, 0x05, 0x01]))).toThrow(/past the end/);
    expect(() => decodeRangeResponse(Buffer.from([0x0b]))).toThrow(/wire type 3/);
  });
});

describe('prefixRangeEnd', () => {
  it.each([
    ['a', 'b'],
    ['abc', 'abd'],
    ['a\xff', 'b'],
    ['ab\xff\xff', 'ac'],
    ['\xff\xff', '\x00'],
    ['', '\x00'],
    ['key/', 'key0'],
  ])('%j -> %j', (prefix, end) => {
    const input = b(prefix);
    const copy = Buffer.from(input);
    expect(prefixRangeEnd(input).toString('latin1')).toBe(end);
    expect(input.equals(copy)).toBe(true); // the caller's key is never modified
  });
});

describe('gRPC status', () => {
  it('maps every code to its name and back', () => {
    expect(Object.keys(GrpcStatus)).toHaveLength(17);
    for (const [name, code] of Object.entries(GrpcStatus)) {
      expect(grpcStatusName(code)).toBe(name);
      expect(grpcStatusCode(name)).toBe(code);
    }
    expect(grpcStatusName(4)).toBe('DEADLINE_EXCEEDED');
    expect(grpcStatusName(99)).toBe('UNKNOWN');
    expect(grpcStatusName(1.5)).toBe('UNKNOWN');
    expect(grpcStatusCode('toString')).toBeUndefined();
    expect(grpcStatusCode('NOPE')).toBeUndefined();
  });

  it('parses grpc-status and percent-encoded grpc-message', () => {
    expect(parseGrpcStatus('0')).toBe(0);
    expect(parseGrpcStatus('14')).toBe(14);
    expect(parseGrpcStatus(undefined)).toBeUndefined();
    expect(parseGrpcStatus('x')).toBeUndefined();
    expect(parseGrpcStatus('-1')).toBeUndefined();
    expect(decodeGrpcMessage('etcdserver: request is too large')).toBe('etcdserver: request is too large');
    expect(decodeGrpcMessage('caf%C3%A9 %25')).toBe('café %');
    expect(decodeGrpcMessage('bad %zz escape')).toBe('bad %zz escape');
    expect(decodeGrpcMessage(undefined)).toBe('');
  });

  it('maps HTTP statuses and RST_STREAM codes as the gRPC spec says', () => {
    expect(statusFromHttpStatus(400)).toBe(GrpcStatus.INTERNAL);
    expect(statusFromHttpStatus(401)).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(statusFromHttpStatus(403)).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(statusFromHttpStatus(404)).toBe(GrpcStatus.UNIMPLEMENTED);
    for (const s of [429, 502, 503, 504]) expect(statusFromHttpStatus(s)).toBe(GrpcStatus.UNAVAILABLE);
    expect(statusFromHttpStatus(500)).toBe(GrpcStatus.UNKNOWN);
    expect(statusFromRstCode(h2.NGHTTP2_REFUSED_STREAM)).toBe(GrpcStatus.UNAVAILABLE);
    expect(statusFromRstCode(h2.NGHTTP2_CANCEL)).toBe(GrpcStatus.CANCELLED);
    expect(statusFromRstCode(h2.NGHTTP2_ENHANCE_YOUR_CALM)).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(statusFromRstCode(h2.NGHTTP2_INTERNAL_ERROR)).toBe(GrpcStatus.INTERNAL);
  });

  it('EtcdRequestError carries code, codeName, grpcMessage and where it happened', () => {
    const err = new EtcdRequestError(4, 'deadline of 500ms exceeded', { method: 'KV.Put', endpoint: 'http://127.0.0.1:2379' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('EtcdRequestError');
    expect(err).toMatchObject({ code: 4, codeName: 'DEADLINE_EXCEEDED', grpcMessage: 'deadline of 500ms exceeded', method: 'KV.Put' });
    expect(err.message).toBe('KV.Put to http://127.0.0.1:2379: DEADLINE_EXCEEDED: deadline of 500ms exceeded');
    const odd = new EtcdRequestError(42, 'x');
    expect(odd).toMatchObject({ code: GrpcStatus.UNKNOWN, codeName: 'UNKNOWN' });
    expect(odd.message).toContain('grpc-status 42');
  });
});

describe('request plumbing', () => {
  it('grpc-timeout uses at most 8 digits', () => {
    expect(grpcTimeout(5000)).toBe('5000m');
    expect(grpcTimeout(0.2)).toBe('1m');
    expect(grpcTimeout(99_999_999)).toBe('99999999m');
    expect(grpcTimeout(100_000_000)).toBe('100000S');
  });

  it('parses endpoints', () => {
    expect(parseEndpoint('http://127.0.0.1:2379')).toEqual({ origin: 'http://127.0.0.1:2379', secure: false, host: '127.0.0.1', port: 2379 });
    expect(parseEndpoint('https://etcd-1/')).toMatchObject({ origin: 'https://etcd-1:2379', secure: true, port: 2379 });
    expect(parseEndpoint('http://[::1]:2380')).toMatchObject({ host: '::1', origin: 'http://[::1]:2380' });
    expect(() => parseEndpoint('127.0.0.1:2379')).toThrow(/http/);
    expect(() => parseEndpoint('not a url')).toThrow(/not a URL/);
  });
});

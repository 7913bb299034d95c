import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../src/h2/hpack/decoder.js';
import { HpackEncoder } from '../src/h2/hpack/encoder.js';
import type { HeaderField } from '../src/h2/hpack/encoder.js';
import { HpackError, huffmanCode, huffmanDecode, huffmanEncode, huffmanEncodedLength } from '../src/h2/hpack/huffman.js';
import { RequestHeaders } from '../src/h2/hpack/request-headers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeAll(d: HpackDecoder, block: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  d.decode(block, 0, block.length, { onHeader: (n, v) => out.push([n, v]) });
  return out;
}

// RFC 7541 Appendix C: header lists and the blocks the RFC gives for them.
const REQUESTS: HeaderField[][] = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];
const C3 = ['828684410f7777772e6578616d706c652e636f6d', '828684be58086e6f2d6361636865', '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565'];
const C4 = ['828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf', '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf'];
const REQUEST_TABLE_SIZES = [57, 110, 164];

const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RESPONSES: HeaderField[][] = [
  [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']],
  [[':status', '307'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']],
  [
    [':status', '200'],
    ['cache-control', 'private'],
    ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ['location', 'https://www.example.com'],
    ['content-encoding', 'gzip'],
    ['set-cookie', COOKIE],
  ],
];
const C5 = [
  '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
  '4803333037c1c0bf',
  '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
];
const C6 = [
  '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
  '4883640effc1c0bf',
  '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
];
const RESPONSE_TABLE_SIZES = [222, 222, 215];

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  it('C.2: literal with indexing, without indexing, never indexed, indexed', () => {
    const cases: Array<[string, Array<[string, string]>, number]> = [
      ['400a637573746f6d2d6b65790d637573746f6d2d686561646572', [['custom-key', 'custom-header']], 55],
      ['040c2f73616d706c652f70617468', [[':path', '/sample/path']], 0],
      ['100870617373776f726406736563726574', [['password', 'secret']], 0],
      ['82', [[':method', 'GET']], 0],
    ];
    for (const [block, fields, size] of cases) {
      const d = new HpackDecoder();
      expect(decodeAll(d, hex(block))).toEqual(fields);
      expect(d.tableSize).toBe(size);
    }
  });

  for (const [name, blocks] of [['C.3 (plain)', C3], ['C.4 (Huffman)', C4]] as const) {
    it(`${name}: three requests on one connection`, () => {
      const d = new HpackDecoder();
      blocks.forEach((b, i) => {
        expect(decodeAll(d, hex(b))).toEqual(REQUESTS[i]);
        expect(d.tableSize).toBe(REQUEST_TABLE_SIZES[i]);
      });
    });
  }

  for (const [name, blocks] of [['C.5 (plain)', C5], ['C.6 (Huffman)', C6]] as const) {
    it(`${name}: three responses with a 256-byte table and evictions`, () => {
      const d = new HpackDecoder(256);
      blocks.forEach((b, i) => {
        expect(decodeAll(d, hex(b))).toEqual(RESPONSES[i]);
        expect(d.tableSize).toBe(RESPONSE_TABLE_SIZES[i]);
      });
      expect(d.tableLength).toBe(3);
    });
  }

  it('C.1: integers with a 5-bit prefix (10 and 1337) as table size updates', () => {
    const d = new HpackDecoder();
    decodeAll(d, hex('3f9a0a')); // 001 + 1337
    decodeAll(d, hex('40 01 61 01 62')); // a:b, 34 bytes, fits in 1337
    expect(d.tableSize).toBe(34);
    decodeAll(d, hex('2a')); // 001 + 10: everything evicted
    expect(d.tableSize).toBe(0);
  });

  it('rejects malformed blocks', () => {
    const bad = [
      '80', // index 0
      'ff9f4e', // index far beyond both tables
      '40', // literal, truncated
      '4000', // literal name, no value
      '1f8080808080808080', // integer that never ends
      '416461', // value length 100, block ends
      '3fe21f', // size update above our 4096 limit
      '82 20', // size update after a field
      'be', // dynamic index 62 in an empty table
    ];
    for (const b of bad) expect(() => decodeAll(new HpackDecoder(), hex(b)), b).toThrow(HpackError);
  });
});

describe('HPACK encoder', () => {
  it('reproduces C.3 / C.4 byte for byte (RFC indexing, plain and Huffman)', () => {
    for (const [blocks, huffman] of [[C3, false], [C4, true]] as const) {
      const e = new HpackEncoder();
      REQUESTS.forEach((fields, i) => expect(e.encode(fields, { policy: 'evict', huffman }).toString('hex')).toBe(blocks[i]));
      expect(e.tableSize).toBe(164);
    }
  });

  it('reproduces C.5 / C.6 byte for byte with a 256-byte table', () => {
    for (const [blocks, huffman] of [[C5, false], [C6, true]] as const) {
      const e = new HpackEncoder(256);
      RESPONSES.forEach((fields, i) => expect(e.encode(fields, { policy: 'evict', huffman }).toString('hex')).toBe(blocks[i]));
      expect(e.tableSize).toBe(215);
    }
  });

  it('signals a smaller peer table (C.1: 10 and 1337 with a 5-bit prefix) once, at the start of the next block', () => {
    const e = new HpackEncoder();
    e.setPeerMaxTableSize(1337);
    expect(e.encode([]).toString('hex')).toBe('3f9a0a');
    expect(e.encode([]).toString('hex')).toBe('');
    e.setPeerMaxTableSize(10);
    e.setPeerMaxTableSize(20);
    expect(e.encode([]).toString('hex')).toBe('2a34'); // the smallest, then the final size
  });

  const field = fc.tuple(
    fc.constantFrom(':path', 'content-type', 'grpc-timeout', 'x-custom', 'te', 'grpc-message', 'user-agent'),
    fc.oneof(fc.constantFrom('application/grpc', 'trailers', '5000m', ''), fc.string({ unit: 'binary-ascii', maxLength: 300 })),
  );

  it('round-trips any header lists through the decoder, tables in step (both policies, any table size)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { maxLength: 12 }), { maxLength: 12 }),
        fc.constantFrom('evict' as const, 'keep' as const),
        fc.integer({ min: 0, max: 4096 }),
        (lists, policy, size) => {
          const e = new HpackEncoder(size);
          const d = new HpackDecoder(size);
          for (const list of lists) {
            expect(decodeAll(d, e.encode(list, { policy }))).toEqual(list);
            expect(d.tableSize).toBe(e.tableSize);
          }
        },
      ),
    );
  });
});

describe('RequestHeaders', () => {
  const make = (e: HpackEncoder) =>
    new RequestHeaders(e, [[':method', 'POST'], [':scheme', 'http'], [':authority', '127.0.0.1:2379']], [['content-type', 'application/grpc'], ['te', 'trailers']], (ms) => [['grpc-timeout', `${ms}m`]]);

  it('inserts on first use, then serves the same all-indexed block from the cache', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const rh = make(e);
    const first = rh.block('/etcdserverpb.KV/Put', 5000);
    const second = rh.block('/etcdserverpb.KV/Put', 5000);
    const third = rh.block('/etcdserverpb.KV/Put', 5000);
    expect(second).toBe(third); // cached object
    expect(second.length).toBeLessThanOrEqual(8); // every field indexed
    const want = [[':method', 'POST'], [':scheme', 'http'], [':authority', '127.0.0.1:2379'], [':path', '/etcdserverpb.KV/Put'], ['content-type', 'application/grpc'], ['te', 'trailers'], ['grpc-timeout', '5000m']];
    for (const b of [first, second, third]) expect(decodeAll(d, b)).toEqual(want);
  });

  it('never replays a block that changed the table, whatever the order of paths and keys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('/a', '/b/c', '/etcdserverpb.KV/Range'), fc.integer({ min: 1, max: 400 })), { maxLength: 300 }), (reqs) => {
        const e = new HpackEncoder();
        const d = new HpackDecoder();
        const rh = make(e);
        for (const [path, ms] of reqs) {
          const got = decodeAll(d, rh.block(path, ms));
          expect(got.find(([n]) => n === ':path')?.[1]).toBe(path);
          expect(got.find(([n]) => n === 'grpc-timeout')?.[1]).toBe(`${ms}m`);
          expect(d.tableSize).toBe(e.tableSize);
        }
      }),
    );
  });
});

describe('Huffman code (RFC 7541 Appendix B)', () => {
  it('rebuilds the canonical codes from the lengths', () => {
    expect(huffmanCode(0)).toEqual({ code: 0x1ff8, bits: 13 });
    expect(huffmanCode(48)).toEqual({ code: 0x0, bits: 5 }); // '0'
    expect(huffmanCode(92)).toEqual({ code: 0x7fff0, bits: 19 }); // '\'
    expect(huffmanCode(199)).toEqual({ code: 0x1ffffec, bits: 25 });
    expect(huffmanCode(255)).toEqual({ code: 0x3ffffee, bits: 26 });
    expect(huffmanCode(256)).toEqual({ code: 0x3fffffff, bits: 30 }); // EOS
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const src = Buffer.from(bytes);
        const enc = Buffer.alloc(huffmanEncodedLength(src));
        expect(huffmanEncode(src, 0, src.length, enc, 0)).toBe(enc.length);
        const out = Buffer.alloc(Math.ceil((enc.length * 8) / 5));
        const n = huffmanDecode(enc, 0, enc.length, out);
        expect(out.subarray(0, n).equals(src)).toBe(true);
      }),
    );
  });

  it('encodes www.example.com as in C.4.1', () => {
    const src = Buffer.from('www.example.com');
    const out = Buffer.alloc(huffmanEncodedLength(src));
    huffmanEncode(src, 0, src.length, out, 0);
    expect(out.toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
  });

  it('rejects EOS in the string, padding over 7 bits, and padding that is not all ones', () => {
    const out = Buffer.alloc(64);
    expect(() => huffmanDecode(hex('ffffffff'), 0, 4, out)).toThrow(/EOS/); // 30 ones = EOS
    expect(() => huffmanDecode(hex('1fff'), 0, 2, out)).toThrow(/longer than 7/); // 'a' then 11 ones
    expect(() => huffmanDecode(hex('18'), 0, 1, out)).toThrow(/prefix of EOS/); // 'a' then 000
  });
});

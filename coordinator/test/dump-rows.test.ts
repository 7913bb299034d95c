import { describe, expect, it } from 'vitest';
import { columns, decode, encode, header, nextPageLimit, row, type DumpKv } from '../src/dump/dump-rows.js';

const kv = (key: Buffer | string, value: Buffer | string, lease = 0n): DumpKv => ({
  key: typeof key === 'string' ? Buffer.from(key) : key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  createRevision: 5,
  modRevision: 9,
  version: 3,
  lease,
});

describe('dump rows', () => {
  it('writes printable UTF-8 as text and everything else as base64, and both decode to the same bytes', () => {
    const cases: [Buffer, 'text' | 'base64'][] = [
      [Buffer.from('plain/key'), 'text'],
      [Buffer.from(''), 'text'],
      [Buffer.from('значение ✓ tab\tand\r\nline'), 'text'],
      [Buffer.from([0xff, 0xfe, 0x01]), 'base64'],
      [Buffer.from('esc\u001b[2J'), 'base64'],
      [Buffer.from('nul\u0000'), 'base64'],
      [Buffer.from('bidi\u202eevil'), 'base64'],
      [Buffer.from('zero\u200bwidth'), 'base64'],
      [Buffer.from('c1\u0085'), 'base64'],
      [Buffer.from('\ufeffbom'), 'base64'],
    ];
    for (const [bytes, encoding] of cases) {
      const e = encode(bytes);
      expect(e.encoding, JSON.stringify(bytes.toString('latin1'))).toBe(encoding);
      expect(decode(e.text, e.encoding).equals(bytes)).toBe(true);
    }
  });

  it('encodes a view into a larger buffer by its own bytes only', () => {
    const big = Buffer.from('xxxxHELLOyyyy');
    expect(encode(big.subarray(4, 9))).toEqual({ text: 'HELLO', encoding: 'text' });
  });

  it('quotes CSV fields as RFC 4180 has it and ends records with CRLF', () => {
    expect(header('csv', false)).toBe('key,key_encoding,create_revision,mod_revision,version,lease,value,value_encoding\r\n');
    expect(header('csv', true)).toBe('key,key_encoding,create_revision,mod_revision,version,lease\r\n');
    expect(header('jsonl', false)).toBe('');
    expect(row('csv', kv('a,b', 'he said "hi"\nbye'), false)).toBe('"a,b",text,5,9,3,0,"he said ""hi""\nbye",text\r\n');
    expect(row('csv', kv('k', Buffer.from([0, 1])), false)).toBe('k,text,5,9,3,0,AAE=,base64\r\n');
    expect(row('csv', kv('k', 'v'), true)).toBe('k,text,5,9,3,0\r\n');
  });

  it('writes JSON lines with the lease as a decimal string (a 64-bit id does not fit a JSON number)', () => {
    const lease = 7587870123456789012n;
    const line = row('jsonl', kv('k', 'v', lease), false);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ key: 'k', key_encoding: 'text', create_revision: 5, mod_revision: 9, version: 3, lease: '7587870123456789012', value: 'v', value_encoding: 'text' });
    expect(Object.keys(JSON.parse(row('jsonl', kv('k', 'v'), true)))).toEqual(columns(true));
  });

  it('sizes pages to the target bytes at the rows seen, between 1 and the key limit', () => {
    expect(nextPageLimit(0, 0, 4 << 20, 10_000, 100)).toBe(100);
    expect(nextPageLimit(100, 100 * 65_536, 4 << 20, 10_000, 100)).toBe(64);
    expect(nextPageLimit(100, 100 * 20, 4 << 20, 10_000, 100)).toBe(10_000);
    expect(nextPageLimit(1, 64 << 20, 4 << 20, 10_000, 100)).toBe(1);
    expect(nextPageLimit(10, 0, 4 << 20, 10_000, 100)).toBe(10_000);
  });
});

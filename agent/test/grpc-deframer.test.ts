import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageDeframer } from '../src/etcd/grpc-deframer.js';
import { ProtoDecodeError, frameMessage } from '../src/etcd/wire.js';

function run(deframer: MessageDeframer, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) deframer.push(c, 0, c.length, { onMessage: (m) => out.push(Buffer.from(m)) });
  return out;
}

describe('MessageDeframer', () => {
  it('yields every message once, whatever the DATA frame boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
        const bytes = Buffer.concat(msgs.map((m) => frameMessage(m)));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of [...points, bytes.length]) {
          chunks.push(bytes.subarray(at, p));
          at = p;
        }
        const d = new MessageDeframer(1 << 20);
        expect(run(d, chunks)).toEqual(msgs.map((m) => Buffer.from(m)));
        expect(d.midMessage).toBe(false);
      }),
    );
  });

  it('refuses compressed messages and messages over the limit, and tells a cut-off message', () => {
    const compressed = frameMessage(Buffer.from('x'));
    compressed[0] = 1;
    expect(() => run(new MessageDeframer(100), [compressed])).toThrow(ProtoDecodeError);
    expect(() => run(new MessageDeframer(100), [frameMessage(Buffer.alloc(101))])).toThrow(/larger than 100/);
    const d = new MessageDeframer(100);
    run(d, [frameMessage(Buffer.alloc(50)).subarray(0, 20)]);
    expect(d.midMessage).toBe(true);
  });
});

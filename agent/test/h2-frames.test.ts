import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Flag, FrameType, H2ProtocolError } from '../src/h2/constants.js';
import { FrameReader } from '../src/h2/frame-reader.js';
import { FrameWriter } from '../src/h2/frame-writer.js';
import { HpackEncoder } from '../src/h2/hpack/encoder.js';
import { Inbound } from '../src/h2/inbound.js';
import type { InboundTarget } from '../src/h2/inbound.js';
import { StreamState } from '../src/h2/stream-state.js';

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

function encodeFrame(f: Frame): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(f.payload.length, 0, 3);
  h[3] = f.type;
  h[4] = f.flags;
  h.writeUInt32BE(f.streamId, 5);
  return Buffer.concat([h, f.payload]);
}

function collect(reader: FrameReader, chunks: Buffer[]): Frame[] {
  const out: Frame[] = [];
  const handler = {
    onFrame: (type: number, flags: number, streamId: number, buf: Buffer, start: number, end: number) =>
      out.push({ type, flags, streamId, payload: Buffer.from(buf.subarray(start, end)) }),
  };
  for (const c of chunks) reader.push(c, 0, c.length, handler);
  return out;
}

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 12 }),
  flags: fc.integer({ min: 0, max: 255 }),
  streamId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  payload: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
});

describe('FrameReader', () => {
  it('yields the same frames whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const bytes = Buffer.concat(frames.map(encodeFrame));
        const reader = new FrameReader(16_384);
        expect(collect(reader, split(bytes, cuts))).toEqual(frames);
        expect(reader.hasPartial).toBe(false);
      }),
    );
  });

  it('handles one byte at a time and frames larger than its first pending buffer', () => {
    const frames: Frame[] = [
      { type: 0, flags: 1, streamId: 3, payload: Buffer.alloc(70_000, 7) },
      { type: 6, flags: 0, streamId: 0, payload: Buffer.alloc(8, 1) },
    ];
    const bytes = Buffer.concat(frames.map(encodeFrame));
    const reader = new FrameReader(100_000);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(collect(reader, chunks)).toEqual(frames);
  });

  it('refuses a frame above our maximum frame size, even when its header arrives in pieces', () => {
    const big = encodeFrame({ type: 0, flags: 0, streamId: 1, payload: Buffer.alloc(16_385) });
    expect(() => collect(new FrameReader(16_384), [big])).toThrow(H2ProtocolError);
    expect(() => collect(new FrameReader(16_384), [big.subarray(0, 2), big.subarray(2, 9)])).toThrow(/exceeds our maximum/);
  });
});

describe('FrameWriter', () => {
  it('writes frames that read back identically, batching small ones and referencing large payloads', () => {
    const w = new FrameWriter();
    const large = Buffer.alloc(10_000, 9);
    w.settings([[4, 1_048_576], [2, 0]]);
    w.windowUpdate(0, 1000);
    w.data(1, large, 0, large.length, true);
    w.rstStream(3, ErrorCode.CANCEL);
    w.ping(Buffer.from('12345678'), 0, true);
    w.goaway(0, ErrorCode.PROTOCOL_ERROR, 'bye');
    const bufs = w.take();
    expect(bufs).toContain(large); // not copied
    expect(w.take()).toEqual([]);
    const frames = collect(new FrameReader(16_384), bufs);
    expect(frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length])).toEqual([
      [FrameType.SETTINGS, 0, 0, 12],
      [FrameType.WINDOW_UPDATE, 0, 0, 4],
      [FrameType.DATA, Flag.END_STREAM, 1, 10_000],
      [FrameType.RST_STREAM, 0, 3, 4],
      [FrameType.PING, Flag.ACK, 0, 8],
      [FrameType.GOAWAY, 0, 0, 11],
    ]);
    expect(frames[0]!.payload.toString('hex')).toBe('000400100000' + '000200000000');
  });

  it('splits a header block into HEADERS + CONTINUATION at the frame size', () => {
    const w = new FrameWriter();
    const block = Buffer.alloc(40_000, 3);
    w.headers(5, block, true, 16_384);
    const frames = collect(new FrameReader(16_384), w.take());
    expect(frames.map((f) => [f.type, f.flags, f.payload.length])).toEqual([
      [FrameType.HEADERS, Flag.END_STREAM, 16_384],
      [FrameType.CONTINUATION, 0, 16_384],
      [FrameType.CONTINUATION, Flag.END_HEADERS, 7_232],
    ]);
  });

  it('keeps the bytes handed out intact while writing on (slices are never reused)', () => {
    const w = new FrameWriter();
    const handed: Buffer[] = [];
    const copies: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      w.data(1, Buffer.alloc(100, i & 0xff), 0, 100, false);
      const [b] = w.take();
      handed.push(b!);
      copies.push(Buffer.from(b!));
    }
    handed.forEach((b, i) => expect(b.equals(copies[i]!)).toBe(true));
  });
});

/** Records what Inbound delivers; one known stream (id 1). */
class RecordingStream extends StreamState {
  fields: Array<[string, string]> = [];
  events: string[] = [];
  onHeader(name: string, value: string): void {
    this.fields.push([name, value]);
  }
  onHeaders(endStream: boolean): void {
    this.events.push(`headers end=${endStream}`);
  }
  onData(buf: Buffer, start: number, end: number, endStream: boolean): void {
    this.events.push(`data ${buf.toString('latin1', start, end)} end=${endStream}`);
  }
  onAbort(): void {}
  onDeadline(): void {}
}

function inboundFor(stream: RecordingStream): { inbound: Inbound; log: string[] } {
  const log: string[] = [];
  const target: InboundTarget = {
    stream: (id) => (id === 1 ? stream : undefined),
    onSetting: (id, value) => log.push(`setting ${id}=${value}`),
    onSettingsEnd: () => log.push('settings'),
    onSettingsAck: () => log.push('settings-ack'),
    onPing: (buf, s) => log.push(`ping ${buf.toString('latin1', s, s + 8)}`),
    onPingAck: (buf, s) => log.push(`ping-ack ${buf.toString('latin1', s, s + 8)}`),
    onGoaway: (last, code, debug) => log.push(`goaway ${last} ${code} ${debug}`),
    onWindowUpdate: (id, inc) => log.push(`window ${id} ${inc}`),
    onRstStream: (id, code) => log.push(`rst ${id} ${code}`),
    onData: (id, flow, buf, s, e, end) => {
      log.push(`data ${id} flow=${flow}`);
      if (id === 1) stream.onData(buf, s, e, end);
    },
    onHeadersDone: (id, s, end) => {
      log.push(`headers ${id} known=${s !== undefined}`);
      s?.onHeaders(end);
    },
  };
  return { inbound: new Inbound(target, 4096), log };
}

const feed = (inbound: Inbound, frames: Frame[]): void => {
  const reader = new FrameReader(16_384);
  for (const f of frames) {
    const b = encodeFrame(f);
    reader.push(b, 0, b.length, inbound);
  }
};

describe('Inbound', () => {
  const settings: Frame = { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: Buffer.alloc(0) };
  const block = new HpackEncoder().encode([[':status', '200'], ['grpc-status', '0']]);

  it('reassembles HEADERS + CONTINUATION, strips padding and priority, and decodes for unknown streams too', () => {
    const s = new RecordingStream();
    const { inbound, log } = inboundFor(s);
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from('payload'), Buffer.alloc(3)]);
    const withPriority = Buffer.concat([Buffer.from([2]), Buffer.alloc(5), block.subarray(0, 2), Buffer.alloc(2)]);
    feed(inbound, [
      settings,
      { type: FrameType.HEADERS, flags: Flag.PADDED | Flag.PRIORITY, streamId: 1, payload: withPriority },
      { type: FrameType.CONTINUATION, flags: Flag.END_HEADERS, streamId: 1, payload: block.subarray(2) },
      { type: FrameType.DATA, flags: Flag.PADDED | Flag.END_STREAM, streamId: 1, payload: padded },
      { type: FrameType.HEADERS, flags: Flag.END_HEADERS, streamId: 3, payload: block }, // unknown stream
    ]);
    expect(s.fields).toEqual([[':status', '200'], ['grpc-status', '0']]);
    expect(s.events).toEqual(['headers end=false', 'data payload end=true']);
    expect(log).toEqual(['settings', 'headers 1 known=true', 'data 1 flow=11', 'headers 3 known=false']);
  });

  it('turns protocol violations into H2ProtocolError with the right code', () => {
    const cases: Array<[Frame[], number]> = [
      [[{ type: FrameType.PING, flags: 0, streamId: 0, payload: Buffer.alloc(8) }], ErrorCode.PROTOCOL_ERROR], // no SETTINGS first
      [[settings, { type: FrameType.HEADERS, flags: 0, streamId: 1, payload: block }, { type: FrameType.DATA, flags: 0, streamId: 1, payload: Buffer.alloc(1) }], ErrorCode.PROTOCOL_ERROR],
      [[settings, { type: FrameType.CONTINUATION, flags: Flag.END_HEADERS, streamId: 1, payload: block }], ErrorCode.PROTOCOL_ERROR],
      [[settings, { type: FrameType.DATA, flags: 0, streamId: 0, payload: Buffer.alloc(1) }], ErrorCode.PROTOCOL_ERROR],
      [[settings, { type: FrameType.PING, flags: 0, streamId: 0, payload: Buffer.alloc(7) }], ErrorCode.FRAME_SIZE_ERROR],
      [[settings, { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: Buffer.alloc(5) }], ErrorCode.FRAME_SIZE_ERROR],
      [[settings, { type: FrameType.RST_STREAM, flags: 0, streamId: 1, payload: Buffer.alloc(3) }], ErrorCode.FRAME_SIZE_ERROR],
      [[settings, { type: FrameType.PUSH_PROMISE, flags: 0, streamId: 1, payload: Buffer.alloc(4) }], ErrorCode.PROTOCOL_ERROR],
      [[settings, { type: FrameType.HEADERS, flags: Flag.END_HEADERS, streamId: 1, payload: Buffer.from([0x80]) }], ErrorCode.COMPRESSION_ERROR],
      [[settings, { type: FrameType.DATA, flags: Flag.PADDED, streamId: 1, payload: Buffer.from([5, 1]) }], ErrorCode.PROTOCOL_ERROR],
      [[settings, { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: Buffer.from('000480000000', 'hex') }], ErrorCode.FLOW_CONTROL_ERROR],
      [[settings, { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: Buffer.from('000500000100', 'hex') }], ErrorCode.PROTOCOL_ERROR],
    ];
    for (const [frames, code] of cases) {
      const { inbound } = inboundFor(new RecordingStream());
      let err: unknown;
      try {
        feed(inbound, frames);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(frames.map((f) => f.type))).toBeInstanceOf(H2ProtocolError);
      expect((err as H2ProtocolError).code).toBe(code);
    }
  });

  it('passes SETTINGS, PINGs, GOAWAY, WINDOW_UPDATE and RST_STREAM to the session', () => {
    const { inbound, log } = inboundFor(new RecordingStream());
    const goaway = Buffer.concat([Buffer.from([0, 0, 0, 7, 0, 0, 0, 0]), Buffer.from('drain')]);
    feed(inbound, [
      { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: Buffer.from('000400100000', 'hex') },
      { type: FrameType.SETTINGS, flags: Flag.ACK, streamId: 0, payload: Buffer.alloc(0) },
      { type: FrameType.PING, flags: 0, streamId: 0, payload: Buffer.from('abcdefgh') },
      { type: FrameType.PING, flags: Flag.ACK, streamId: 0, payload: Buffer.from('ignored!') },
      { type: FrameType.WINDOW_UPDATE, flags: 0, streamId: 0, payload: Buffer.from('80000010', 'hex') }, // reserved bit ignored
      { type: FrameType.RST_STREAM, flags: 0, streamId: 1, payload: Buffer.from('00000008', 'hex') },
      { type: FrameType.GOAWAY, flags: 0, streamId: 0, payload: goaway },
      { type: 0xfa, flags: 0, streamId: 0, payload: Buffer.alloc(3) }, // unknown type: ignored
    ]);
    expect(log).toEqual(['setting 4=1048576', 'settings', 'settings-ack', 'ping abcdefgh', 'ping-ack ignored!', 'window 0 16', 'rst 1 8', 'goaway 7 0 drain']);
  });
});

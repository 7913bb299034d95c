import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_WINDOW, Flag, FrameType } from '../src/h2/constants.js';
import { DeadlineQueue } from '../src/h2/deadlines.js';
import { FrameReader } from '../src/h2/frame-reader.js';
import { FrameWriter } from '../src/h2/frame-writer.js';
import { SendFlow } from '../src/h2/send-flow.js';
import type { FlowHost } from '../src/h2/send-flow.js';
import { StreamState } from '../src/h2/stream-state.js';

class TestStream extends StreamState {
  expired = 0;
  constructor(id: number) {
    super();
    this.id = id;
  }
  onHeader(): void {}
  onHeaders(): void {}
  onData(): void {}
  onAbort(): void {}
  onDeadline(): void {
    this.expired++;
  }
}

function host(streams: TestStream[], maxFrame = 16_384): FlowHost {
  return { writer: new FrameWriter(), peerMaxFrameSize: maxFrame, stream: (id) => streams.find((s) => s.id === id), scheduleFlush: () => {} };
}

/** DATA frames written so far: [stream, length, endStream]. */
function dataFrames(h: FlowHost): Array<[number, number, boolean]> {
  const out: Array<[number, number, boolean]> = [];
  const reader = new FrameReader(1 << 24);
  for (const b of h.writer.take()) {
    reader.push(b, 0, b.length, {
      onFrame: (type, flags, id, _buf, s, e) => {
        if (type === FrameType.DATA) out.push([id, e - s, (flags & Flag.END_STREAM) !== 0]);
      },
    });
  }
  return out;
}

describe('SendFlow', () => {
  it('sends up to the windows in frames of at most the peer frame size, then resumes on WINDOW_UPDATE', () => {
    const s = new TestStream(1);
    const h = host([s]);
    const flow = new SendFlow(h);
    flow.initStream(s);
    s.out = Buffer.alloc(200_000);
    s.endAfterOut = true;
    flow.pump(s);
    expect(dataFrames(h)).toEqual([[1, 16_384, false], [1, 16_384, false], [1, 16_384, false], [1, 16_383, false]]);
    expect(s.blocked).toBe(true);
    flow.connectionUpdate(50_000); // the stream window is still empty
    expect(dataFrames(h)).toEqual([]);
    expect(flow.streamUpdate(s, 50_000)).toBe(false);
    expect(dataFrames(h)).toEqual([[1, 16_384, false], [1, 16_384, false], [1, 16_384, false], [1, 848, false]]);
    flow.connectionUpdate(1_000_000);
    expect(dataFrames(h)).toEqual([]); // the stream window is the limit now
    flow.setPeerInitialWindow(DEFAULT_WINDOW + 100_000, [s]);
    flow.resume();
    expect(dataFrames(h)).toEqual([...Array(5).fill([1, 16_384, false]), [1, 2_545, true]]); // the last 84,465 bytes
    expect(s.localEnded).toBe(true);
    expect(s.out).toBe(null);
  });

  it('sends an empty END_STREAM when there is nothing to send, and invalid updates are reported', () => {
    const s = new TestStream(3);
    const h = host([s]);
    const flow = new SendFlow(h);
    flow.initStream(s);
    s.endAfterOut = true;
    flow.pump(s);
    expect(dataFrames(h)).toEqual([[3, 0, true]]);
    expect(flow.streamUpdate(s, 0)).toBe(true);
    expect(flow.streamUpdate(s, 2 ** 31 - 1)).toBe(true);
    expect(() => flow.connectionUpdate(0)).toThrow(/WINDOW_UPDATE of 0/);
  });

  it('never exceeds a window and delivers every byte once, for any sizes and update order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 1, max: 70_000 })), { maxLength: 60 }),
        fc.integer({ min: 16_384, max: 40_000 }),
        (sizes, updates, maxFrame) => {
          const streams = sizes.map((_, i) => new TestStream(2 * i + 1));
          const h = host(streams, maxFrame);
          const flow = new SendFlow(h);
          let conn = DEFAULT_WINDOW;
          const win = new Map(streams.map((s) => [s.id, DEFAULT_WINDOW]));
          const sent = new Map(streams.map((s) => [s.id, 0]));
          const check = (): void => {
            for (const [id, len, end] of dataFrames(h)) {
              expect(len).toBeLessThanOrEqual(maxFrame);
              conn -= len;
              win.set(id, win.get(id)! - len);
              expect(conn).toBeGreaterThanOrEqual(0);
              expect(win.get(id)).toBeGreaterThanOrEqual(0);
              sent.set(id, sent.get(id)! + len);
              if (end) expect(sent.get(id)).toBe(sizes[(id - 1) / 2]);
            }
          };
          streams.forEach((s, i) => {
            flow.initStream(s);
            s.out = Buffer.alloc(sizes[i]!);
            s.endAfterOut = true;
            flow.pump(s);
          });
          check();
          for (const [target, inc] of updates) {
            if (target >= streams.length) {
              conn += inc;
              flow.connectionUpdate(inc);
            } else {
              const s = streams[target]!;
              win.set(s.id, win.get(s.id)! + inc);
              flow.streamUpdate(s, inc);
            }
            check();
          }
          // Open everything up: all data must now be out, each stream ended exactly once.
          for (const s of streams) flow.streamUpdate(s, 400_000);
          win.forEach((v, k) => win.set(k, v + 400_000));
          conn += 1_000_000;
          flow.connectionUpdate(1_000_000);
          check();
          streams.forEach((s, i) => {
            expect(sent.get(s.id)).toBe(sizes[i]);
            expect(s.localEnded).toBe(true);
          });
        },
      ),
    );
  });
});

describe('DeadlineQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires items in deadline order across timeouts, skips removed ones, and re-arms', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const q = new DeadlineQueue();
    const order: string[] = [];
    const item = (name: string): TestStream => {
      const s = new TestStream(1);
      s.onDeadline = () => void order.push(name);
      return s;
    };
    const now = performance.now();
    const a = item('a-100');
    const b = item('b-100');
    const c = item('c-30');
    const d = item('d-500');
    q.add(a, 100, now);
    q.add(b, 100, now + 10);
    q.add(c, 30, now);
    q.add(d, 500, now);
    q.remove(b);
    vi.advanceTimersByTime(50);
    expect(order).toEqual(['c-30']);
    vi.advanceTimersByTime(100);
    expect(order).toEqual(['c-30', 'a-100']);
    vi.advanceTimersByTime(1000);
    expect(order).toEqual(['c-30', 'a-100', 'd-500']);
    q.add(item('e-10'), 10, performance.now());
    q.clear();
    vi.advanceTimersByTime(100);
    expect(order).toHaveLength(3);
  });
});

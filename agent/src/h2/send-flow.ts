/**
 * Send-side flow control (RFC 9113 §5.2, §6.9): DATA may only go out while both the connection window
 * and the stream's window allow; what does not fit waits on the stream, and streams that wait are
 * resumed in order when the server grants more window (WINDOW_UPDATE or a larger INITIAL_WINDOW_SIZE).
 */
import { DEFAULT_WINDOW, ErrorCode, H2ProtocolError, MAX_WINDOW } from './constants.js';
import type { FrameWriter } from './frame-writer.js';
import type { StreamState } from './stream-state.js';

/** What flow control needs from its session. */
export interface FlowHost {
  readonly writer: FrameWriter;
  readonly peerMaxFrameSize: number;
  stream(id: number): StreamState | undefined;
  scheduleFlush(): void;
}

const EMPTY = Buffer.alloc(0);

export class SendFlow {
  private connWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private blocked: StreamState[] = [];

  constructor(private readonly host: FlowHost) {}

  initStream(s: StreamState): void {
    s.sendWindow = this.peerInitialWindow;
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE changed: every open stream's window moves by the difference. */
  setPeerInitialWindow(value: number, open: Iterable<StreamState>): void {
    const delta = value - this.peerInitialWindow;
    this.peerInitialWindow = value;
    for (const s of open) {
      s.sendWindow += delta;
      if (s.sendWindow > MAX_WINDOW) throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'stream window above 2^31-1');
    }
  }

  connectionUpdate(increment: number): void {
    if (increment === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection');
    this.connWindow += increment;
    if (this.connWindow > MAX_WINDOW) throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
    this.resume();
  }

  /** A stream's window grew; returns true when the update is invalid (the caller resets the stream). */
  streamUpdate(s: StreamState, increment: number): boolean {
    if (increment === 0) return true;
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW) return true;
    if (s.blocked) this.resume();
    return false;
  }

  /** Retries blocked streams in the order they blocked. */
  resume(): void {
    if (this.blocked.length === 0) return;
    const waiting = this.blocked;
    this.blocked = [];
    for (const s of waiting) {
      s.blocked = false;
      if (s.out !== null && this.host.stream(s.id) === s) this.pump(s);
    }
    this.host.scheduleFlush();
  }

  /** Sends as much of the stream's queued data as the windows allow; the rest waits. */
  pump(s: StreamState): void {
    const w = this.host.writer;
    const maxFrame = this.host.peerMaxFrameSize;
    for (;;) {
      const buf = s.out;
      if (buf === null) {
        if (s.endAfterOut && !s.localEnded) {
          w.data(s.id, EMPTY, 0, 0, true);
          s.localEnded = true;
        }
        return;
      }
      const remaining = buf.length - s.outPos;
      const n = Math.min(remaining, this.connWindow, s.sendWindow, maxFrame);
      if (n <= 0 && remaining > 0) {
        if (!s.blocked) {
          s.blocked = true;
          this.blocked.push(s);
        }
        return;
      }
      const done = s.outPos + n === buf.length;
      const next = done ? (s.outMore?.shift() ?? null) : buf;
      const last = next === null && s.endAfterOut;
      if (n > 0 || last) {
        w.data(s.id, buf, s.outPos, s.outPos + n, last);
        if (last) s.localEnded = true;
      }
      this.connWindow -= n;
      s.sendWindow -= n;
      s.outPos = done ? 0 : s.outPos + n;
      s.out = next;
      if (last) {
        s.out = null;
        return;
      }
    }
  }
}

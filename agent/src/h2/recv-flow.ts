/**
 * Receive-side flow control (RFC 9113 §5.2): we grant large windows up front and give back what the
 * server used once half a window has been consumed, so WINDOW_UPDATEs stay rare (one per 8 MiB on the
 * connection). Data counts as consumed on arrival: calls buffer their responses themselves.
 */
import { DEFAULT_WINDOW, ErrorCode, H2ProtocolError, SettingId } from './constants.js';
import type { FrameWriter } from './frame-writer.js';
import type { StreamState } from './stream-state.js';

/** Receive windows we grant: per stream and for the whole connection. */
export const STREAM_WINDOW = 1024 * 1024;
export const CONNECTION_WINDOW = 16 * 1024 * 1024;

export class RecvFlow {
  private connWindow = CONNECTION_WINDOW;
  private connUnacked = 0;

  constructor(private readonly writer: FrameWriter) {}

  /** Our connection preface: SETTINGS (no push, our stream window) and the connection window. */
  announce(): void {
    this.writer.preface();
    this.writer.settings([
      [SettingId.ENABLE_PUSH, 0],
      [SettingId.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
    ]);
    this.writer.windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW);
  }

  /**
   * Accounts for a DATA frame of `flowLength` bytes (padding included) on the connection and, when given,
   * on its stream. Returns true when the stream overran its window (the caller resets it); a connection
   * overrun throws. Returns whether WINDOW_UPDATEs were queued via `granted`.
   */
  onData(s: StreamState | undefined, flowLength: number, endStream: boolean): boolean {
    this.connWindow -= flowLength;
    if (this.connWindow < 0) throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'server overran the connection window');
    this.connUnacked += flowLength;
    if (this.connUnacked >= CONNECTION_WINDOW / 2) {
      this.writer.windowUpdate(0, this.connUnacked);
      this.connWindow += this.connUnacked;
      this.connUnacked = 0;
    }
    if (s === undefined) return false;
    s.recvWindow -= flowLength;
    if (s.recvWindow < 0) return true;
    // A stream the server has just ended needs no more window.
    if (!endStream) {
      s.recvUnacked += flowLength;
      if (s.recvUnacked >= STREAM_WINDOW / 2) {
        this.writer.windowUpdate(s.id, s.recvUnacked);
        s.recvWindow += s.recvUnacked;
        s.recvUnacked = 0;
      }
    }
    return false;
  }
}

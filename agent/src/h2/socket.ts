/**
 * The byte pipe under a session. Plain TCP reads through `onread` into one reusable buffer per
 * connection, which skips the stream machinery and an allocation per read; TLS (node:tls, ALPN h2) reads
 * through 'data' events. Both set TCP_NODELAY: small frames must not wait for Nagle.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameWriter } from './frame-writer.js';

export interface H2TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface SocketTarget {
  host: string;
  port: number;
  secure: boolean;
  tls?: H2TlsOptions | undefined;
}

export interface SocketEvents {
  /** Received bytes buf[0, n): only valid during the call. */
  onBytes(buf: Buffer, n: number): void;
  /** The pipe is ready (TCP connected, or TLS handshake done with h2 negotiated). */
  onReady(): void;
  onError(err: Error): void;
  onClosed(): void;
}

const READ_BUFFER_BYTES = 64 * 1024;

export function openSocket(target: SocketTarget, events: SocketEvents): net.Socket {
  const { host, port } = target;
  if (!target.secure) {
    const socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
        callback: (n: number, buf: Uint8Array) => {
          events.onBytes(buf as Buffer, n);
          return true;
        },
      },
    });
    socket.once('connect', () => events.onReady());
    socket.on('error', (err) => events.onError(err));
    socket.once('close', () => events.onClosed());
    return socket;
  }
  const socket = tls.connect({
    host,
    port,
    // SNI must not carry an IP address (RFC 6066); certificates for IPs are checked via subjectAltName.
    servername: net.isIP(host) === 0 ? host : undefined,
    ALPNProtocols: ['h2'],
    ca: target.tls?.ca,
    cert: target.tls?.cert,
    key: target.tls?.key,
  });
  socket.setNoDelay(true);
  socket.once('secureConnect', () => {
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy(new Error(`TLS server did not negotiate HTTP/2 (ALPN gave ${String(socket.alpnProtocol)})`));
      return;
    }
    events.onReady();
  });
  socket.on('data', (chunk: Buffer) => events.onBytes(chunk, chunk.length));
  socket.on('error', (err) => events.onError(err));
  socket.once('close', () => events.onClosed());
  return socket;
}

/**
 * The socket side of a session: the frame writer, one flush per event-loop turn (everything queued in
 * the turn leaves in one write), and ref/unref so that only sessions with work keep the process alive.
 */
export class SessionIO {
  readonly writer = new FrameWriter();
  private readonly socket: net.Socket;
  private flushScheduled = false;
  private readonly flushBound = (): void => this.flush();
  private refd = true;
  private closed = false;

  constructor(target: SocketTarget, events: SocketEvents) {
    this.socket = openSocket(target, events);
  }

  /** Makes sure queued frames go out this event-loop turn. */
  scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(this.flushBound);
  }

  /** Hands everything queued to the socket now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    const bufs = this.writer.take();
    if (bufs.length === 1) this.socket.write(bufs[0]!);
    else if (bufs.length > 1) {
      this.socket.cork();
      for (const b of bufs) this.socket.write(b);
      this.socket.uncork();
    }
  }

  /** Keeps the process alive (work in progress) or not (idle). */
  setRef(ref: boolean): void {
    if (ref === this.refd || this.closed) return;
    this.refd = ref;
    if (ref) this.socket.ref();
    else this.socket.unref();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

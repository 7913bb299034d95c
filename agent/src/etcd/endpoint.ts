/**
 * Endpoint URLs and the TCP/TLS socket under an HTTP/2 session. The socket is created here rather than by
 * http2.connect so TCP_NODELAY can be set: small request/response frames must not wait on Nagle.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export interface EtcdTlsOptions {
  /** PEM CA bundle to trust instead of the system roots. */
  ca?: Buffer;
  /** PEM client certificate and key, for members started with --client-cert-auth. */
  cert?: Buffer;
  key?: Buffer;
}

export interface ParsedEndpoint {
  /** Normalised `scheme://host:port`, used as the name of the endpoint everywhere. */
  origin: string;
  secure: boolean;
  /** Host without IPv6 brackets, as net.connect wants it. */
  host: string;
  port: number;
}

/** Parses `http://host:port` / `https://host:port` (port defaults to etcd's 2379). */
export function parseEndpoint(endpoint: string): ParsedEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`etcd endpoint "${endpoint}" is not a URL; expected http://host:port or https://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`etcd endpoint "${endpoint}" must use http:// or https://`);
  }
  const port = url.port === '' ? 2379 : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { origin: `${url.protocol}//${url.hostname}:${port}`, secure: url.protocol === 'https:', host, port };
}

/** Opens the socket for one session: plain TCP, or TLS offering ALPN h2 with optional CA / client cert. */
export function connectSocket(target: ParsedEndpoint, tlsOptions: EtcdTlsOptions | undefined): Duplex {
  const { host, port } = target;
  if (!target.secure) return net.connect({ host, port, noDelay: true });
  const socket = tls.connect({
    host,
    port,
    // SNI must not carry an IP address (RFC 6066); certificates for IPs are checked via subjectAltName.
    servername: net.isIP(host) === 0 ? host : undefined,
    ALPNProtocols: ['h2'],
    ca: tlsOptions?.ca,
    cert: tlsOptions?.cert,
    key: tlsOptions?.key,
  });
  socket.setNoDelay(true);
  return socket;
}

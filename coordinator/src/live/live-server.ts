import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, InputError } from '@etcdlab/common';
import type { LiveModel } from './live-model.js';
import { liveJson } from './live-json.js';
import { LIVE_PAGE } from './live-page.js';
import { renderMetrics } from './metrics-text.js';
import { PROM_CONTENT_TYPE } from './prom-format.js';

/** The live view's HTTP server (docs/live.md): what it shows is set per run; it never holds the process. */
export interface LiveView {
  /** http://HOST:PORT/ */
  url: string;
  /** The run it shows (a sweep shows each of its runs in turn), and where its request errors are logged. */
  show(model: LiveModel | undefined, onError?: (err: unknown) => void): void;
  /** Stops listening and ends every connection (a browser's keep-alive too); bounded. */
  close(): Promise<void>;
}

const wallNowMs = (): number => performance.timeOrigin + performance.now();
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(type.startsWith('text/html') ? { 'content-security-policy': CSP } : {}) });
  res.end(head ? undefined : body);
}

/**
 * Listens on the given address before anything of the run starts, so a bad address or a port in use is
 * bad input (exit 2) with nothing started. Pages are rendered from the model in one synchronous step and
 * any error in one is a 500 for that request only: a slow or failing scrape never reaches the run.
 */
export async function openLiveView(listen: { host: string; port: number }): Promise<LiveView> {
  let model: LiveModel | undefined;
  let onError: ((err: unknown) => void) | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n', head);
    }
    const url = new URL(req.url ?? '/', 'http://live');
    try {
      if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', LIVE_PAGE, head);
      if (url.pathname === '/metrics') return send(res, 200, PROM_CONTENT_TYPE, model ? renderMetrics(model, wallNowMs()) : '', head);
      if (url.pathname === '/live.json') {
        const phase = url.searchParams.get('phase') ?? undefined;
        return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(model ? liveJson(model, wallNowMs(), phase) : { runId: null }), head);
      }
      return send(res, 404, 'text/plain; charset=utf-8', 'not found: / (live page), /live.json, /metrics\n', head);
    } catch (err) {
      onError?.(err);
      return send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', head);
    }
  };
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, handle);
  server.maxConnections = 64;
  // Connections never keep the process alive either: the run's end decides when it exits.
  server.on('connection', (s) => s.unref());
  const option = `--metrics-listen ${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new InputError(ErrorCodes.portInUse, `${option}: the port is in use`, [{ field: '--metrics-listen', message: `${listen.host}:${listen.port} is taken (another etcdlab run, or another program)`, fix: 'choose another port, port 0 for any free one (the default), or --metrics-listen off' }]));
      else
        reject(new InputError(ErrorCodes.optionInvalid, `${option}: cannot listen there (${err.code ?? err.message})`, [{ field: '--metrics-listen', message: `${listen.host} is not an address of this machine (${err.code ?? err.message})`, fix: 'give a local address, e.g. 127.0.0.1:0 (the default) or 0.0.0.0:9464, or --metrics-listen off' }]));
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  server.on('error', (err) => onError?.(err));
  server.unref();
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}/`,
    show(m, log) {
      model = m;
      onError = log;
    },
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

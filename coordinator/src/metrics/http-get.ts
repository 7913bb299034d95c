import http from 'node:http';
import https from 'node:https';

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * GET a URL's body as text, bounded in time and size. https URLs use the run's TLS files (etcd serves
 * /metrics on its client port, behind the same client certificates). No keep-alive: one scrape per
 * second per member does not need it, and nothing is left open when the run ends.
 */
export function httpGetText(url: string, opts: { tls?: TlsMaterial; timeoutMs: number; maxBytes?: number }): Promise<string> {
  const maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const tls = u.protocol === 'https:' ? { ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}), ...(opts.tls?.cert ? { cert: opts.tls.cert } : {}), ...(opts.tls?.key ? { key: opts.tls.key } : {}) } : {};
    const req = lib.get(u, { agent: false, timeout: opts.timeoutMs, headers: { accept: 'text/plain' }, ...tls }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode ?? '?'} from ${url}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) req.destroy(new Error(`more than ${maxBytes} bytes from ${url}`));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
  });
}

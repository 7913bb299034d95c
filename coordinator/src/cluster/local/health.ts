/**
 * HTTP probes against a member's client URL (GET /health, GET /version).
 * node:http with `agent: false` (one connection per request, closed after it) so no keep-alive socket is
 * left behind to hold the CLI open after `detach()`.
 */
import http from 'node:http';

/** GETs `url` and returns the body; rejects on connection errors, non-2xx or timeout. */
export function getText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) reject(new Error(`GET ${url}: HTTP ${status}: ${body.slice(0, 200)}`));
        else resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GETs `url` and parses the JSON body. */
export async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const body = await getText(url, timeoutMs);
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`GET ${url}: not JSON: ${body.slice(0, 200)}`);
  }
}

export interface HealthResult {
  healthy: boolean;
  /** Why not healthy: the connection error or the body etcd answered with. */
  detail: string;
}

/** One /health probe. etcd answers 503 with {"health":"false"} while it has no leader, so errors are normal here. */
export async function probeHealth(clientUrl: string, timeoutMs = 1000): Promise<HealthResult> {
  try {
    const body = await getJson(`${clientUrl}/health`, timeoutMs);
    const healthy = typeof body === 'object' && body !== null && (body as { health?: unknown }).health === 'true';
    return { healthy, detail: JSON.stringify(body) };
  } catch (err) {
    return { healthy: false, detail: (err as Error).message };
  }
}

/** Server version from GET /version (`{"etcdserver":"3.4.23",...}`), undefined when it cannot be read. */
export async function readServerVersion(clientUrl: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const body = await getJson(`${clientUrl}/version`, timeoutMs);
    const v = (body as { etcdserver?: unknown } | null)?.etcdserver;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the member is the raft leader (gauge `etcd_server_is_leader` on GET /metrics); false when unreachable.
 * Used to stop the leader last: a leader stopped while its followers are also stopping tries to hand over
 * leadership and waits ~7 s for a transfer that cannot happen.
 */
export async function isLeader(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    return /^etcd_server_is_leader 1$/m.test(await getText(`${clientUrl}/metrics`, timeoutMs));
  } catch {
    return false;
  }
}

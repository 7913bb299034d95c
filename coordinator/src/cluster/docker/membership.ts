/**
 * etcd runtime reconfiguration through the member's JSON gateway (POST /v3/cluster/member/*), used by
 * `cluster restart N` with data kept: members are added one at a time (each started before the next is
 * added, or quorum is lost) and removed before their container goes.
 */
import http from 'node:http';
import https from 'node:https';
import type { ClusterInfo } from '../cluster-ops.js';

export interface EtcdMemberEntry {
  /** uint64 as a decimal string, as the gateway writes it. */
  id: string;
  name: string;
  peerUrls: string[];
}

interface GatewayMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
}

function post(endpoint: string, path: string, body: object, tls: ClusterInfo['tls'], timeoutMs: number): Promise<unknown> {
  const url = new URL(path, endpoint);
  const payload = Buffer.from(JSON.stringify(body));
  const secure = url.protocol === 'https:';
  const options = {
    method: 'POST',
    agent: false as const,
    timeout: timeoutMs,
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
    ...(secure && tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${path} via ${endpoint}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`${path} via ${endpoint}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${path} via ${endpoint}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const entry = (m: GatewayMember): EtcdMemberEntry => ({ id: m.ID ?? '0', name: m.name ?? '', peerUrls: m.peerURLs ?? [] });

export async function listMembers(endpoint: string, tls: ClusterInfo['tls']): Promise<EtcdMemberEntry[]> {
  const out = (await post(endpoint, '/v3/cluster/member/list', {}, tls, 5000)) as { members?: GatewayMember[] };
  return (out.members ?? []).map(entry);
}

/**
 * Adds a member. etcd refuses ("unhealthy cluster", nothing applied) until every member has been connected
 * to the leader for 5 s, which is never true just after a restart or the previous add: those refusals are
 * waited out, up to `patienceMs`.
 */
export async function addMember(endpoint: string, tls: ClusterInfo['tls'], peerUrl: string, patienceMs = 30_000): Promise<EtcdMemberEntry> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      const out = (await post(endpoint, '/v3/cluster/member/add', { peerURLs: [peerUrl] }, tls, 10_000)) as { member?: GatewayMember };
      return entry(out.member ?? {});
    } catch (err) {
      if (!/unhealthy cluster/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function removeMember(endpoint: string, tls: ClusterInfo['tls'], id: string): Promise<void> {
  await post(endpoint, '/v3/cluster/member/remove', { ID: id }, tls, 10_000);
}

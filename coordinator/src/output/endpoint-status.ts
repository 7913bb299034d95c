import { EtcdClient, type EndpointStatus } from '@etcdlab/agent/etcd';
import Table from 'cli-table3';
import type { ClusterInfo, MemberState } from '../cluster/cluster-ops.js';
import { etcdClientTls } from '../cluster/target.js';

export interface MemberReport {
  name: string;
  where: string;
  state: string;
  endpoint: string;
  healthy: boolean;
  status?: EndpointStatus;
  error?: string;
}


export function clientFor(info: ClusterInfo, connections = 1): EtcdClient {
  const tls = etcdClientTls(info.tls);
  return new EtcdClient({ endpoints: info.clientEndpoints, connections: Math.max(connections, 1), ...(tls ? { tls } : {}) });
}

/** etcd's own view of each member (what `etcdctl endpoint status` shows), beside the provider's. */
export async function memberReports(info: ClusterInfo, states: MemberState[]): Promise<MemberReport[]> {
  const client = clientFor(info);
  try {
    return await Promise.all(
      states.map(async (m) => {
        const base = { name: m.name, where: m.where, state: m.detail ? `${m.state} (${m.detail})` : m.state, endpoint: m.clientUrl };
        if (m.state !== 'running') return { ...base, healthy: false };
        try {
          const status = await client.status(m.clientUrl, 3000);
          return { ...base, healthy: status.errors.length === 0 && status.leader !== '0', status };
        } catch (err) {
          return { ...base, healthy: false, error: (err as Error).message };
        }
      }),
    );
  } finally {
    await client.close();
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function renderMemberReports(reports: MemberReport[]): string {
  const table = new Table({
    head: ['member', 'where', 'state', 'endpoint', 'health', 'id', 'leader', 'term', 'index', 'db size', 'version', 'errors'],
    style: { head: [], border: [] },
  });
  for (const r of reports) {
    const s = r.status;
    table.push([
      r.name,
      r.where,
      r.state,
      r.endpoint,
      r.healthy ? 'healthy' : 'UNHEALTHY',
      s?.memberId ?? '-',
      s ? (s.leader === s.memberId ? 'yes' : 'no') : '-',
      s ? String(s.raftTerm) : '-',
      s ? String(s.raftIndex) : '-',
      s ? mb(s.dbSize) : '-',
      s?.version ?? '-',
      s?.errors.join('; ') || r.error || '',
    ]);
  }
  return table.toString();
}

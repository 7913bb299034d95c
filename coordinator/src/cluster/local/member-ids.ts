/** Each member's raft id (hex, as rafthttp's X-Server-From carries it), from its Maintenance.Status. */
import { EtcdClient } from '@etcdlab/agent/etcd';

export async function memberIds(members: readonly { name: string; clientUrl: string }[]): Promise<Map<string, string>> {
  const client = new EtcdClient({ endpoints: members.map((m) => m.clientUrl), connections: 1 });
  try {
    const out = new Map<string, string>();
    for (const m of members) {
      const s = await client.status(m.clientUrl, 3000).catch(() => undefined);
      if (s) out.set(m.name, s.memberId);
    }
    return out;
  } finally {
    await client.close();
  }
}

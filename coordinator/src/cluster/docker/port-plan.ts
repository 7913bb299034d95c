/**
 * Host port plan for a docker cluster (pure). Member i (0-based) wants client base+2i and peer base+2i+1,
 * the first seed's scheme. When a wanted port is held (another program, another etcdlab cluster):
 * - fixed ports (cluster.basePort given): the plan fails and lists every conflict;
 * - otherwise the member moves to the next free pair above the layout, and the plan says so.
 */
import { memberName, type HostPorts } from './members.js';

export interface PortMove {
  member: string;
  from: HostPorts;
  to: HostPorts;
  /** Who held the wanted port(s). */
  because: string;
}

export interface PortConflict {
  member: string;
  role: 'client' | 'peer';
  port: number;
  holder: string;
}

export type PortPlan = { ok: true; ports: HostPorts[]; moved: PortMove[] } | { ok: false; conflicts: PortConflict[] };

export const MAX_PORT = 65535;

export function layoutPorts(base: number, members: number): HostPorts[] {
  return Array.from({ length: members }, (_, i) => ({ client: base + 2 * i, peer: base + 2 * i + 1 }));
}

export interface PortPlanInput {
  members: number;
  base: number;
  fixed: boolean;
  /** Who holds `port` now, undefined when it is free. */
  holderOf: (port: number) => string | undefined;
}

export function planHostPorts(o: PortPlanInput): PortPlan {
  const wanted = layoutPorts(o.base, o.members);
  const holder = (port: number): string | undefined => (port > MAX_PORT ? `beyond ${MAX_PORT}` : o.holderOf(port));
  if (o.fixed) {
    const conflicts: PortConflict[] = [];
    wanted.forEach((w, i) => {
      for (const role of ['client', 'peer'] as const) {
        const h = holder(w[role]);
        if (h !== undefined) conflicts.push({ member: memberName(i + 1), role, port: w[role], holder: h });
      }
    });
    return conflicts.length > 0 ? { ok: false, conflicts } : { ok: true, ports: wanted, moved: [] };
  }

  const used = new Set<number>();
  const free = (p: number): boolean => !used.has(p) && holder(p) === undefined;
  const ports: HostPorts[] = [];
  const moved: PortMove[] = [];
  // Moved members take pairs above the whole layout, so members that kept their ports stay in order.
  let cursor = o.base + 2 * o.members;
  for (const [i, w] of wanted.entries()) {
    if (free(w.client) && free(w.peer)) {
      ports.push(w);
    } else {
      while (cursor + 1 <= MAX_PORT && !(free(cursor) && free(cursor + 1))) cursor += 2;
      if (cursor + 1 > MAX_PORT) {
        return { ok: false, conflicts: [{ member: memberName(i + 1), role: 'client', port: w.client, holder: `no free port pair between ${o.base} and ${MAX_PORT}` }] };
      }
      const to = { client: cursor, peer: cursor + 1 };
      const because = [w.client, w.peer].flatMap((p) => { const h = holder(p) ?? (used.has(p) ? 'another member' : undefined); return h ? [`${p}: ${h}`] : []; }).join(', ');
      moved.push({ member: memberName(i + 1), from: w, to, because });
      ports.push(to);
      cursor += 2;
    }
    used.add(ports[i]!.client).add(ports[i]!.peer);
  }
  return { ok: true, ports, moved };
}

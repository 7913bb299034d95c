/**
 * Looking at a docker cluster: client endpoints (with TLS material) for status, test and runs; the
 * containers' states; member logs through the Engine API, demultiplexed.
 */
import { ClusterError, ErrorCodes, InputError } from '@etcdlab/common';
import type { ClusterInfo, MemberState } from '../cluster-ops.js';
import { demuxFrames, framesToLines } from './demux.js';
import { call } from './engine.js';
import { existingMembers, infoFrom, type ExistingMember } from './existing.js';
import { hostClientUrl } from './members.js';
import type { DockerSession } from './session.js';

async function membersOrFail(s: DockerSession): Promise<ExistingMember[]> {
  const members = await existingMembers(await s.engine(), s.cfg.cluster);
  if (members.length === 0) {
    throw new ClusterError(ErrorCodes.clusterNotFound, `no docker cluster named ${s.cfg.cluster} (no container labelled etcdlab.cluster=${s.cfg.cluster})`, {
      problems: [{ file: s.cfg.source, field: 'cluster.name', message: s.cfg.cluster, fix: `create it with \`etcdlab cluster up -i ${s.cfg.source}\`` }],
    });
  }
  return members;
}

export async function info(s: DockerSession): Promise<ClusterInfo> {
  return infoFrom(await s.engine(), await membersOrFail(s), s.cfg.peerPort);
}

export async function states(s: DockerSession): Promise<MemberState[]> {
  const members = await existingMembers(await s.engine(), s.cfg.cluster);
  return members.map((m) => ({
    name: m.name,
    where: m.container,
    state: m.running ? 'running' : 'stopped',
    clientUrl: hostClientUrl({ tls: m.tls }, m),
    detail: m.status,
  }));
}

/** The member named `name` (etcd-2 or its container name), or an input error listing the members. */
export function findMember(members: ExistingMember[], name: string, source: string): ExistingMember {
  const m = members.find((x) => x.name === name || x.container === name);
  if (!m) {
    throw new InputError(ErrorCodes.optionInvalid, `no member ${name} in this cluster`, [
      { file: source, field: 'member', message: `members: ${members.map((x) => x.name).join(', ')}`, fix: `name one of them, e.g. ${members[0]?.name ?? 'etcd-1'}` },
    ]);
  }
  return m;
}

export async function logs(s: DockerSession, member: string | undefined, o: { lines: number; out: NodeJS.WritableStream }): Promise<void> {
  const engine = await s.engine();
  const members = await membersOrFail(s);
  const chosen = member === undefined ? members : [findMember(members, member, s.cfg.source)];
  for (const m of chosen) {
    const raw = await call(`reading the log of ${m.container}`, () => engine.docker.getContainer(m.id).logs({ stdout: true, stderr: true, follow: false, tail: o.lines }));
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    o.out.write(framesToLines(demuxFrames(buf), chosen.length > 1 ? `${m.name} | ` : ''));
  }
}

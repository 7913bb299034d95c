/**
 * Waiting until every member answers etcd's Status call with a leader (gRPC, through the published port),
 * failing fast when a container exits; a failure carries that member's log tail.
 */
import type { EndpointStatus } from '@etcdlab/agent/etcd';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import { clientFor } from '../../output/endpoint-status.js';
import type { ClusterInfo } from '../cluster-ops.js';
import { isNotFound, type Engine } from './engine.js';
import { demuxFrames, framesToLines } from './demux.js';

export const LOG_TAIL_LINES = 25;
const POLL_MS = 300;

export async function logTail(engine: Engine, container: string, lines: number): Promise<string> {
  try {
    const raw = (await engine.docker.getContainer(container).logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
    return framesToLines(demuxFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))));
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

async function failure(engine: Engine, member: { name: string; container: string }, reason: string): Promise<ClusterError> {
  const tail = (await logTail(engine, member.container, LOG_TAIL_LINES)).trimEnd() || '(log is empty)';
  return new ClusterError(ErrorCodes.memberStartFailed, `etcd member ${member.name} (container ${member.container}) ${reason}; last ${LOG_TAIL_LINES} log lines:\n${tail}`, {
    problems: [{ field: member.name, message: reason, fix: 'the log lines above say why: typically a bad cluster.extraFlags entry, an unusable volume, or an image without etcd at /usr/local/bin/etcd' }],
  });
}

export interface HealthTarget {
  name: string;
  container: string;
  clientUrl: string;
}

/** Resolves with every member's status once all are healthy; otherwise throws E_MEMBER_START_FAILED. */
export async function waitHealthy(engine: Engine, members: HealthTarget[], info: ClusterInfo, o: { timeoutMs: number; signal?: AbortSignal }): Promise<EndpointStatus[]> {
  const deadline = Date.now() + o.timeoutMs;
  const client = clientFor(info);
  const healthy = new Map<string, EndpointStatus>();
  const last = new Map<string, string>();
  try {
    for (;;) {
      if (o.signal?.aborted) throw new ClusterError(ErrorCodes.runAborted, 'cluster start aborted');
      for (const m of members) {
        const state = await engine.docker.getContainer(m.container).inspect().then((c) => c.State, (err: unknown) => (isNotFound(err) ? undefined : null));
        if (state === undefined) throw await failure(engine, m, 'container disappeared');
        if (state && !state.Running) throw await failure(engine, m, `exited with status ${state.ExitCode} during startup`);
      }
      const pending = members.filter((m) => !healthy.has(m.name));
      await Promise.all(pending.map(async (m) => {
        try {
          const s = await client.status(m.clientUrl, 1000);
          if (s.errors.length === 0 && s.leader !== '0') healthy.set(m.name, s);
          else last.set(m.name, s.errors.join('; ') || 'no leader yet');
        } catch (err) {
          last.set(m.name, (err as Error).message);
        }
      }));
      if (healthy.size === members.length) return members.map((m) => healthy.get(m.name) as EndpointStatus);
      if (Date.now() >= deadline) {
        const first = members.find((m) => !healthy.has(m.name)) as HealthTarget;
        throw await failure(engine, first, `was not healthy within ${Math.round(o.timeoutMs / 1000)} s (last answer: ${last.get(first.name) ?? 'none'})`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await client.close();
  }
}

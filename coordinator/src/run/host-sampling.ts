import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { HostSample } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer } from '../fleet/agent-server.js';

export interface SamplerCandidate {
  agentId: string;
  host: string;
  role: string;
  /** agent clock - coordinator clock (ms). */
  offsetMs: number;
}

/** One agent per host samples it, a monitor where the host has one (it is there for that). Pure. */
export function chooseSamplers(candidates: readonly SamplerCandidate[]): SamplerCandidate[] {
  const byHost = new Map<string, SamplerCandidate>();
  for (const c of candidates) {
    const have = byHost.get(c.host);
    if (!have || (have.role !== 'monitor' && c.role === 'monitor')) byHost.set(c.host, c);
  }
  return [...byHost.values()];
}

const fileName = (host: string): string => `${host.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`;

/**
 * Asks one agent per host to sample it for the run and writes what comes back to hosts/<host>.jsonl,
 * with time stamps converted to the coordinator's clock (the format the report reads, docs/reports.md).
 */
export function startHostSampling(opts: { server: AgentServer; runId: string; runDir: string; candidates: readonly SamplerCandidate[]; ownMarkers: readonly string[]; logger: Logger; intervalMs?: number }): { stop(): Promise<void> } {
  const samplers = new Map(chooseSamplers(opts.candidates).map((c) => [c.agentId, c]));
  const streams = new Map<string, WriteStream>();
  mkdirSync(join(opts.runDir, 'hosts'), { recursive: true });
  const onSample = (sample: HostSample) => {
    const who = samplers.get(sample.agentId);
    if (!who || sample.runId !== opts.runId) return;
    let out = streams.get(sample.host);
    if (!out) streams.set(sample.host, (out = createWriteStream(join(opts.runDir, 'hosts', fileName(sample.host)), { flags: 'a' })));
    const { runId: _r, t, ...rest } = sample;
    out.write(JSON.stringify({ t: Math.round(t - who.offsetMs), ...rest }) + '\n');
  };
  opts.server.on('hostSample', onSample);
  for (const who of samplers.values()) {
    opts.server.get(who.agentId)?.socket.emit('sampling:start', { runId: opts.runId, intervalMs: opts.intervalMs ?? 1000, ownMarkers: [...opts.ownMarkers] });
  }
  opts.logger.info({ samplers: [...samplers.values()].map((s) => `${s.agentId}@${s.host}`) }, 'host sampling started');
  return {
    async stop() {
      opts.server.off('hostSample', onSample);
      await Promise.all([...streams.values()].map((s) => new Promise<void>((r) => s.end(() => r()))));
    },
  };
}

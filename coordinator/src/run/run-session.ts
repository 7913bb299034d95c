import { randomBytes } from 'node:crypto';
import { type EtcdlabError, type PhasePrepare, type PhaseSummary, type RunSummary, SUMMARY_SCHEMA_VERSION, type Workload } from '@etcdlab/common';
import type { Logger } from 'pino';
import { startLocalAgents } from '../agents/local-agents.js';
import { listenForRemote, type MonitorEntry, type RemoteAgentsRequest, remoteAgentSet, syncMonitors } from '../agents/remote/remote-run.js';
import type { Progress } from '../output/progress.js';
import { AgentServer } from '../server/agent-server.js';
import { type RosterEntry, syncRoster, waitForAgents } from './agent-roster.js';
import { runWorkload } from './engine.js';
import { ResultsWriter } from './results-writer.js';
import { startHostSampling } from './host-sampling.js';
import { TOOL_VERSION } from '../version.js';
import { type MetricsScraper, type ScrapeTarget, scrapeTargets, startMetricsScraper } from '../metrics/index.js';

export interface RunRequest {
  runId: string;
  runDir: string;
  workload: Workload;
  agents: number;
  endpoints: string[];
  tls?: PhasePrepare['tls'];
  cluster: RunSummary['cluster'] & Record<string, unknown>;
  logger: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Recorded as given in the manifest (command line options, etc.). */
  invocation: Record<string, unknown>;
  /** Where each member's /metrics is (default: <endpoint>/metrics, named after cluster.memberDetails); [] = no scraping. */
  metricsTargets?: ScrapeTarget[];
  /** Agents installed as services on inventory hosts that dial in (run -i); without it, local agent processes. */
  remote?: RemoteAgentsRequest;
  /** Command-line markers of the run's own processes on its hosts (work dirs); the run folder is always one. */
  ownMarkers?: string[];
  /** More manifest fields (run -i: inventory, placement, host checks). */
  manifestExtra?: Record<string, unknown>;
}

/** Above this share of one core, an agent may be what limits throughput, not etcd. */
const AGENT_CPU_BOUND_CORES = 0.9;

/**
 * One run with local agents against given endpoints: coordinator server, agent processes, handshake
 * and clock sync, the workload, and the results folder. Whatever was measured is written even when the
 * run fails or is interrupted; the error (if any) is returned beside the summary, not thrown.
 */
export async function executeRun(req: RunRequest): Promise<{ summary: RunSummary; error?: EtcdlabError | Error }> {
  const { logger, progress } = req;
  const startedAt = new Date();
  const writer = new ResultsWriter(req.runDir, startedAt.getTime());
  const token = req.remote?.token ?? randomBytes(24).toString('base64url');
  const server = new AgentServer(token, logger);
  const phases: PhaseSummary[] = [];
  const warnings: string[] = [];
  const mismatches: RunSummary['integrity']['mismatches'] = [];
  let roster: RosterEntry[] = [];
  let monitors: MonitorEntry[] = [];
  let sampling: { stop(): Promise<void> } | undefined;
  let status: RunSummary['status'] = 'completed';
  let error: Error | undefined;
  const manifest = (extra: Record<string, unknown> = {}) => ({
    runId: req.runId,
    createdAt: startedAt.toISOString(),
    tool: { name: 'etcdlab', version: TOOL_VERSION, node: process.version, platform: `${process.platform}/${process.arch}` },
    invocation: req.invocation,
    cluster: req.cluster,
    workload: req.workload,
    intervalMs: 1000,
    agents: roster.map((a) => ({ ...a, startSkewMsByPhase: Object.fromEntries(phases.map((p) => [p.name, p.agents.find((x) => x.agentId === a.agentId)?.startSkewMs])) })),
    ...(req.remote ? { monitors } : {}),
    ...req.manifestExtra,
    ...extra,
  });

  const address = req.remote ? await listenForRemote(server, req.remote, logger) : await server.listen('127.0.0.1', 0);
  logger.info({ url: address.url }, 'coordinator listening for agents');
  // etcd's own metrics, scraped on the run's clock for the whole run (docs/reports.md).
  const memberDetails = Array.isArray(req.cluster.memberDetails) ? (req.cluster.memberDetails as { name: string; clientUrl: string }[]) : undefined;
  const targets = req.metricsTargets ?? scrapeTargets(req.endpoints, memberDetails);
  const scraper: MetricsScraper | undefined = targets.length ? startMetricsScraper({ targets, runDir: req.runDir, runBaseMs: startedAt.getTime(), ...(req.tls ? { tls: req.tls } : {}), logger }) : undefined;
  const agents: { ids: string[]; start?(): Promise<void>; stop(): Promise<void> } = req.remote
    ? remoteAgentSet(req.remote, address.url)
    : startLocalAgents({ count: req.agents, coordinatorUrl: address.url, token, runDir: req.runDir, logger });
  try {
    await agents.start?.();
    progress.note(`waiting for ${agents.ids.length} agent(s) at ${address.url} ...`);
    const connected = await waitForAgents(server, agents.ids, 30_000, req.signal);
    roster = await syncRoster(connected, logger);
    for (const a of roster) progress.note(`  agent ${a.agentId} (${req.remote ? `${a.host}, ` : ''}pid ${a.pid}) online, clock offset ${a.clock.offsetMs.toFixed(2)} ms ± ${(a.clock.rttMs / 2).toFixed(2)} ms`);
    if (req.remote) monitors = await syncMonitors(server, req.remote.monitors, logger);
    writer.writeJson('manifest.json', manifest());
    sampling = startHostSampling({
      server,
      runId: req.runId,
      runDir: req.runDir,
      candidates: [...roster.map((a) => ({ agentId: a.agentId, host: a.host, role: a.role, offsetMs: a.clock.offsetMs })), ...monitors.flatMap((m) => (m.connected && m.clock ? [{ agentId: m.agentId, host: m.host, role: m.role, offsetMs: m.clock.offsetMs }] : []))],
      ownMarkers: [req.runDir, ...(req.ownMarkers ?? [])],
      logger,
    });
    const result = await runWorkload({
      runId: req.runId,
      workload: req.workload,
      endpoints: req.endpoints,
      ...(req.tls ? { tls: req.tls } : {}),
      roster,
      server,
      logger,
      signal: req.signal,
      onInterval: (r) => writer.appendInterval(r),
      onLive: (m, online) => progress.live(m.live(performance.timeOrigin + performance.now()), online, roster.length),
      onPhaseDone: (p) => {
        phases.push(p);
        progress.phaseDone(p.name, p.all.count, p.all.errors, p.durationMs / 1000);
      },
    });
    warnings.push(...result.warnings);
    mismatches.push(...result.mismatches);
    status = result.status;
  } catch (err) {
    error = err as Error;
    status = req.signal.aborted ? 'aborted' : 'failed';
    logger.error({ err: String(err), code: (err as EtcdlabError).code }, 'run failed');
  } finally {
    for (const a of server.connected()) a.socket.emit('run:end', { runId: req.runId, reason: status });
    await agents.stop();
    await sampling?.stop();
    await server.close();
    await scraper?.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'metrics scraper did not stop cleanly'));
    await writer.close();
    progress.done();
  }

  for (const p of phases)
    for (const a of p.agents)
      if (a.cpuCores > AGENT_CPU_BOUND_CORES)
        warnings.push(`agent ${a.agentId} used ${a.cpuCores.toFixed(2)} CPU cores in phase ${p.name}: the load generator, not etcd, may have limited throughput`);
  const summary: RunSummary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    runId: req.runId,
    runDir: req.runDir,
    workload: { name: req.workload.name, source: req.workload.source, quick: req.workload.quick },
    cluster: req.cluster,
    agents: req.agents,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status,
    phases,
    integrity: { ok: mismatches.length === 0, mismatches },
    warnings,
  };
  writer.writeJson('manifest.json', manifest({ finishedAt: summary.finishedAt, status }));
  writer.writeSummary(summary);
  await writeRunReport(req.runDir, progress, logger);
  return error ? { summary, error } : { summary };
}

/**
 * The report documents (report/ in the run folder), rebuilt from the folder just written; loaded on
 * demand so that commands which never report do not load the charting library. A failure here loses
 * nothing measured: it says how to rebuild the report later.
 */
async function writeRunReport(runDir: string, progress: Progress, logger: Logger): Promise<void> {
  try {
    const { writeReport } = await import('../report/write-report.js');
    const r = writeReport(runDir);
    const verdict = r.model.verdict.status === 'NONE' ? '' : `, verdict ${r.model.verdict.status}`;
    progress.note(`report: ${r.dir}/index.html${verdict}`);
  } catch (err) {
    logger.warn({ err: String(err) }, 'report not written');
    progress.note(`report not written (${(err as Error).message}); rebuild it with: etcdlab report ${runDir}`);
  }
}

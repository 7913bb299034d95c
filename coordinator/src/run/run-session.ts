import { type EtcdlabError, type PhaseSummary, type RunSummary, SUMMARY_SCHEMA_VERSION, type Workload } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { ClusterTarget } from '../cluster/target.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Progress } from '../output/progress.js';
import { AgentServer } from '../fleet/agent-server.js';
import { listenForAgents } from './listen.js';
import { type MonitorEntry, syncMonitors } from './monitors.js';
import { type RosterEntry, syncRoster, waitForAgents } from './agent-roster.js';
import { runWorkload } from './engine.js';
import type { PhaseRecord } from './phase-record.js';
import { ResultsWriter } from './results-writer.js';
import { startHostSampling } from './host-sampling.js';
import { TOOL_VERSION } from '../version.js';
import { type MetricsScraper, scrapeTargets, startMetricsScraper } from '../metrics/index.js';

export interface RunRequest {
  runId: string;
  runDir: string;
  workload: Workload;
  target: ClusterTarget;
  fleet: Fleet;
  logger: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Recorded as given in the manifest (command line options, etc.). */
  invocation: Record<string, unknown>;
}

/** Above this share of one core, an agent may be what limits throughput, not etcd. */
const AGENT_CPU_BOUND_CORES = 0.9;

/**
 * One run of a workload on a cluster target with a fleet of agents: coordinator server, the agents'
 * start, handshake and clock sync, the workload, and the results folder. Whatever was measured is written even when the
 * run fails or is interrupted; the error (if any) is returned beside the summary, not thrown.
 */
export async function executeRun(req: RunRequest): Promise<{ summary: RunSummary; error?: EtcdlabError | Error }> {
  const { logger, progress } = req;
  const startedAt = new Date();
  const writer = new ResultsWriter(req.runDir, startedAt.getTime());
  const { target, fleet } = req;
  const server = new AgentServer(fleet.token, logger);
  const phases: PhaseSummary[] = [];
  const records: PhaseRecord[] = [];
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
    cluster: target.record,
    fleet: fleet.record,
    workload: req.workload,
    intervalMs: 1000,
    agents: roster.map((a) => ({ ...a, startSkewMsByPhase: Object.fromEntries(phases.map((p) => [p.name, p.agents.find((x) => x.agentId === a.agentId)?.startSkewMs])) })),
    ...(fleet.monitors.length ? { monitors } : {}),
    ...target.manifestExtra,
    ...extra,
  });

  const address = await listenForAgents(server, fleet.listen, logger);
  logger.info({ url: address.url }, 'coordinator listening for agents');
  // etcd's own metrics, scraped from this machine on the run's clock for the whole run (docs/reports.md).
  const targets = scrapeTargets(target.endpoints, target.members);
  const scraper: MetricsScraper | undefined = targets.length ? startMetricsScraper({ targets, runDir: req.runDir, runBaseMs: startedAt.getTime(), ...(target.tls ? { tls: target.tls } : {}), logger }) : undefined;
  try {
    await fleet.start(address.url);
    progress.note(`waiting for ${fleet.ids.length} agent(s) at ${address.url} ...`);
    const connected = await waitForAgents(server, fleet.ids, 30_000, { signal: req.signal, hint: fleet.missingHint });
    roster = await syncRoster(connected, logger);
    for (const a of roster) progress.note(`  agent ${a.agentId} (${fleet.kind === 'processes' ? '' : `${a.host}, `}pid ${a.pid}) online, clock offset ${a.clock.offsetMs.toFixed(2)} ms ± ${(a.clock.rttMs / 2).toFixed(2)} ms`);
    if (fleet.monitors.length) monitors = await syncMonitors(server, fleet.monitors, logger);
    writer.writeJson('manifest.json', manifest());
    sampling = startHostSampling({
      server,
      runId: req.runId,
      runDir: req.runDir,
      candidates: [...roster.map((a) => ({ agentId: a.agentId, host: a.host, role: a.role, offsetMs: a.clock.offsetMs })), ...monitors.flatMap((m) => (m.connected && m.clock ? [{ agentId: m.agentId, host: m.host, role: m.role, offsetMs: m.clock.offsetMs }] : []))],
      ownMarkers: [req.runDir, ...target.ownMarkers],
      logger,
    });
    const result = await runWorkload({
      runId: req.runId,
      workload: req.workload,
      endpoints: fleet.agentEndpoints ?? target.endpoints,
      ...(target.tls ? { tls: target.tls } : {}),
      roster,
      server,
      logger,
      signal: req.signal,
      onInterval: (r) => writer.appendInterval(r),
      onLive: (m, online) => progress.live(m.live(performance.timeOrigin + performance.now()), online, roster.length),
      onPhaseDone: (p, record) => {
        phases.push(p);
        records.push(record);
        progress.phaseDone(p.name, p.all.count, p.all.errors, p.durationMs / 1000, record);
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
    await fleet.stop();
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
    cluster: target.record,
    agents: fleet.ids.length,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status,
    phases,
    integrity: { ok: mismatches.length === 0, mismatches },
    warnings,
  };
  writer.writeJson('manifest.json', manifest({ finishedAt: summary.finishedAt, status, phases: records, runWarnings: warnings, integrity: summary.integrity, ...(error ? { error: { code: (error as EtcdlabError).code ?? 'E_INTERNAL', message: error.message } } : {}) }));
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

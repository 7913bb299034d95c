import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EtcdlabError, type LivePhaseSummary, MANIFEST_SCHEMA_VERSION, type RunSummary, type Workload, writtenManifestSchema } from '@etcdlab/common';
import { summarizeFolder, writeReport } from '../report/write-report.js';
import type { Logger } from 'pino';
import type { ClusterTarget } from '../cluster/target.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Progress } from '../output/progress.js';
import { AgentServer } from '../fleet/agent-server.js';
import { listenForAgents } from './listen.js';
import { type MonitorEntry, syncMonitors } from './monitors.js';
import { type RosterEntry, syncRoster, waitForAgents } from './agent-roster.js';
import { runWorkload } from './engine.js';
import { revisionProbe } from './revision-probe.js';
import type { PhaseRecord } from '@etcdlab/common';
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
  const phases: LivePhaseSummary[] = [];
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
  const probe = revisionProbe(target.endpoints, target.tls, logger);
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
      revision: () => probe.read(),
      onInterval: (r, maxima) => writer.appendInterval(r, maxima),
      onLive: (m, online, asked) => progress.live(m.live(performance.timeOrigin + performance.now()), online, roster.length, asked),
      onPhaseDone: (p, record) => {
        phases.push(p);
        records.push(record);
        // The record so far, in case this process does not live to write the last one (docs/resilience.md).
        writer.writeJson('manifest.json', manifest({ schemaVersion: MANIFEST_SCHEMA_VERSION, status: 'running', phases: records }));
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
    await probe.close();
    await sampling?.stop();
    await server.close();
    await scraper?.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'metrics scraper did not stop cleanly'));
    await writer.close();
    progress.done();
  }

  const finishedAt = new Date().toISOString();
  const failure = error ? { code: (error as EtcdlabError).code ?? 'E_INTERNAL', message: error.message } : undefined;
  const final = manifest({ schemaVersion: MANIFEST_SCHEMA_VERSION, finishedAt, status, phases: records, runWarnings: warnings, integrity: { ok: mismatches.length === 0, mismatches }, ...(failure ? { error: failure } : {}) });
  // Checked against the schema every reader uses; a mismatch is a bug here, written anyway (nothing is lost).
  const checked = writtenManifestSchema.safeParse(final);
  if (!checked.success) logger.error({ issues: checked.error.issues.slice(0, 5) }, 'manifest does not match its schema');
  writer.writeJson('manifest.json', final);
  const summary = finishRun(req.runDir, progress, logger);
  return error ? { summary, error } : { summary };
}

/**
 * The summary and the report, derived from the folder just written (the one results model): the summary
 * a run prints is the one `etcdlab report` rebuilds. The report's rendering may fail without losing
 * anything measured: the summary is written first and the way to rebuild the report is said.
 */
function finishRun(runDir: string, progress: Progress, logger: Logger): RunSummary {
  const { raw, model, summary } = summarizeFolder(runDir);
  writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  try {
    const r = writeReport(runDir, { raw, model });
    progress.note(`report: ${r.dir}/index.html`);
  } catch (err) {
    logger.warn({ err: String(err) }, 'report not written');
    progress.note(`report not written (${(err as Error).message}); rebuild it with: etcdlab report ${runDir}`);
  }
  return summary;
}

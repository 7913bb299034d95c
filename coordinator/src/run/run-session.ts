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
import { claimRunDir } from './run-folder.js';
import { type MonitorEntry, syncMonitors } from './monitors.js';
import { agentsPresent, type RosterEntry, syncRoster, waitForAgents } from './agent-roster.js';
import { type EngineResume, runWorkload } from './engine.js';
import { type ResumeState, resumeWarning } from './resume.js';
import { revisionProbe } from './revision-probe.js';
import { cleanRunKeys, type KeyCleanup } from './key-cleanup.js';
import { describeReclaim, reclaimSpace, type SpaceReclaim } from './space-reclaim.js';
import type { PhaseRecord } from '@etcdlab/common';
import { ResultsWriter } from './results-writer.js';
import { startHostSampling } from './host-sampling.js';
import { TOOL_VERSION } from '../version.js';
import { type MetricsScraper, scrapeTargets, startMetricsScraper } from '../metrics/index.js';
import type { LiveModel } from '../live/live-model.js';
import { liveFeed } from '../live/live-feed.js';

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
  /** run --resume: the folder's run so far, taken over from the coordinator that left it. */
  resume?: ResumeState;
  /** Delete the run's keys at its end (docs/results.md#keys-a-run-leaves). */
  cleanKeys?: boolean;
  /** After the cleanup: compact, or compact and defragment (docs/results.md#keys-a-run-leaves). */
  reclaim?: 'compact' | 'defrag';
  /** --name and --tag. */
  labels?: { name?: string; tags?: Record<string, string> };
  /** The live view's model of this run (docs/live.md), fed read-only as the run goes. */
  live?: LiveModel;
}

/**
 * One run of a workload on a cluster target with a fleet of agents: coordinator server, the agents'
 * start, handshake and clock sync, the workload, and the results folder. Whatever was measured is written even when the
 * run fails or is interrupted; the error (if any) is returned beside the summary, not thrown.
 */
export async function executeRun(req: RunRequest): Promise<{ summary: RunSummary; error?: EtcdlabError | Error }> {
  const { logger, progress, resume } = req;
  const resumedAtMs = Date.now();
  // A resumed run keeps its time base: the folder's files all count from the first start.
  const startedAt = resume ? new Date(resume.manifest.createdAt) : new Date();
  const writer = new ResultsWriter(req.runDir, startedAt.getTime());
  const { target, fleet } = req;
  const server = new AgentServer(fleet.token, logger);
  const live = req.live && liveFeed(req.live, logger);
  const unfollow = live?.follow(server);
  const phases: LivePhaseSummary[] = [];
  const records: PhaseRecord[] = [...(resume?.records ?? [])];
  const warnings: string[] = [...(resume?.warnings ?? [])];
  const mismatches: RunSummary['integrity']['mismatches'] = [...(resume?.mismatches ?? [])];
  const resumes = [...(resume?.resumes ?? []), ...(resume ? [{ lastSeenAtMs: resume.lastSeenAtMs, resumedAtMs, ...(resume.inProgress ? { phase: resume.inProgress.phase.name } : {}) }] : [])];
  const earlierSkews = new Map((resume?.manifest.agents ?? []).map((a) => [a.agentId, (a['startSkewMsByPhase'] ?? {}) as Record<string, number | undefined>]));
  let roster: RosterEntry[] = [];
  let monitors: MonitorEntry[] = [];
  let sampling: { stop(): Promise<void> } | undefined;
  let status: RunSummary['status'] = 'completed';
  let error: Error | undefined;
  let keys: (KeyCleanup & { space?: SpaceReclaim }) | undefined;
  const manifest = (extra: Record<string, unknown> = {}) => ({
    runId: req.runId,
    createdAt: startedAt.toISOString(),
    tool: { name: 'etcdlab', version: TOOL_VERSION, node: process.version, platform: `${process.platform}/${process.arch}` },
    invocation: req.invocation,
    cluster: target.record,
    fleet: fleet.record,
    workload: req.workload,
    intervalMs: 1000,
    agents: roster.map((a) => ({ ...a, startSkewMsByPhase: { ...earlierSkews.get(a.agentId), ...Object.fromEntries(phases.map((p) => [p.name, p.agents.find((x) => x.agentId === a.agentId)?.startSkewMs])) } })),
    ...(fleet.monitors.length ? { monitors } : {}),
    ...target.manifestExtra,
    ...(resumes.length ? { resumes } : {}),
    ...req.labels,
    ...extra,
  });
  // While the run goes on: what a resume needs if this process does not live to write the end (docs/resilience.md).
  const running = (extra: Record<string, unknown> = {}) =>
    manifest({ schemaVersion: MANIFEST_SCHEMA_VERSION, status: 'running', phases: records, runWarnings: warnings, integrity: { ok: mismatches.length === 0, mismatches }, ...extra });

  // Only a coordinator that got this far claims the folder (a resume that failed to start leaves the claim as it was).
  const claim = claimRunDir(req.runDir);
  const address = await listenForAgents(server, fleet.listen, logger);
  logger.info({ url: address.url }, 'coordinator listening for agents');
  // etcd's own metrics, scraped from this machine on the run's clock for the whole run (docs/reports.md).
  const targets = scrapeTargets(target.endpoints, target.members);
  const scraper: MetricsScraper | undefined = targets.length ? startMetricsScraper({ targets, runDir: req.runDir, runBaseMs: startedAt.getTime(), ...(target.tls ? { tls: target.tls } : {}), logger, ...(live ? { onSample: live.sample } : {}) }) : undefined;
  const probe = revisionProbe(target.endpoints, target.tls, logger);
  try {
    await fleet.start(address.url);
    progress.note(`waiting for ${fleet.ids.length} agent(s) at ${address.url} ...`);
    if (resume) {
      // Agents that do not come back within the limit are the phase's losses, stated there; not a failure here.
      const back = await agentsPresent(server, fleet.ids, 30_000, req.signal);
      const fresh = await syncRoster(back.map((id) => server.get(id)).filter((a) => a !== undefined), logger);
      roster = fleet.ids.map((id) => fresh.find((a) => a.agentId === id) ?? (resume.manifest.agents.find((a) => a.agentId === id) as unknown as RosterEntry)).filter((a) => a !== undefined);
      progress.note(resumeNote(resume, resumedAtMs, back.length, fleet.ids.length));
    } else {
      const connected = await waitForAgents(server, fleet.ids, 30_000, { signal: req.signal, hint: fleet.missingHint });
      roster = await syncRoster(connected, logger);
    }
    for (const a of roster) progress.note(`  agent ${a.agentId} (${fleet.kind === 'processes' ? '' : `${a.host}, `}pid ${a.pid}) online, clock offset ${a.clock.offsetMs.toFixed(2)} ms ± ${(a.clock.rttMs / 2).toFixed(2)} ms`);
    if (fleet.monitors.length) monitors = await syncMonitors(server, fleet.monitors, logger);
    live?.agents([...roster, ...monitors.filter((m) => m.connected)], fleet.ids.length);
    writer.writeJson('manifest.json', running());
    sampling = startHostSampling({
      server,
      runId: req.runId,
      runDir: req.runDir,
      candidates: [...roster.map((a) => ({ agentId: a.agentId, host: a.host, role: a.role, offsetMs: a.clock.offsetMs })), ...monitors.flatMap((m) => (m.connected && m.clock ? [{ agentId: m.agentId, host: m.host, role: m.role, offsetMs: m.clock.offsetMs }] : []))],
      ownMarkers: [req.runDir, ...target.ownMarkers],
      logger,
    });
    const engineResume: EngineResume | undefined = resume && { recorded: resume.records.length, ...(resume.inProgress ? { adopt: { ...resume.inProgress, resumedAtMs } } : {}) };
    const result = await runWorkload({
      ...(engineResume ? { resume: engineResume } : {}),
      runId: req.runId,
      workload: req.workload,
      endpoints: fleet.agentEndpoints ?? target.endpoints,
      ...(target.tls ? { tls: target.tls } : {}),
      roster,
      server,
      logger,
      signal: req.signal,
      revision: () => probe.read(),
      onFaultNote: (line) => progress.note(line),
      faultTarget: { members: target.members, endpoints: target.endpoints, ...(target.tls ? { tls: target.tls } : {}), ...(target.faults ? { faults: target.faults } : {}) },
      onInterval: (r, maxima) => writer.appendInterval(r, maxima),
      onLive: (m, online, asked) => {
        const stats = m.live(performance.timeOrigin + performance.now());
        progress.live(stats, online, roster.length, asked);
        live?.tick(stats, asked);
      },
      ...(live ? { watch: live.watch } : {}),
      onPhaseStart: (inProgress) => writer.writeJson('manifest.json', running({ inProgress })),
      onPhaseDone: (p, record) => {
        phases.push(p);
        records.push(record);
        live?.phaseDone(p.name, p.durationMs, record);
        // The record so far, in case this process does not live to write the last one (docs/resilience.md).
        writer.writeJson('manifest.json', running());
        progress.phaseDone(p.name, p.all.count, p.all.errors, p.durationMs / 1000, record);
      },
    });
    const last = resumes.at(-1);
    if (last && result.deliveredLate) last.deliveredLate = result.deliveredLate;
    warnings.push(...result.warnings);
    mismatches.push(...result.mismatches);
    status = result.status;
    if (req.cleanKeys) {
      keys = await cleanRunKeys({ endpoints: target.endpoints, ...(target.tls ? { tls: target.tls } : {}), runId: req.runId, logger, note: (l) => progress.note(l) });
      if (keys.error) warnings.push(`the run's keys under ${keys.prefix} were not all deleted (${keys.deleted.toLocaleString('en-US')} were): ${keys.error}; etcdlab keys clean ${req.runId} --endpoints ... deletes the rest`);
      progress.note(`keys: ${keys.deleted.toLocaleString('en-US')} deleted under ${keys.prefix} in ${(keys.durationMs / 1000).toFixed(1)} s${keys.error ? ' (not all: see the warning)' : ''}`);
      if (req.reclaim && !keys.error) {
        const space = await reclaimSpace({ endpoints: target.endpoints, ...(target.tls ? { tls: target.tls } : {}), defrag: req.reclaim === 'defrag', note: (l) => progress.note(l) });
        keys = { ...keys, space };
        if (space.error) warnings.push(`the ${req.reclaim === 'defrag' ? 'compaction and defragmentation' : 'compaction'} after the cleanup failed: ${space.error}`);
        else for (const l of describeReclaim(space)) progress.note(l);
      }
    } else if (target.provider === 'external') {
      progress.note(`keys: kept under etcdlab/${req.runId}/ (--keep-keys); etcdlab keys clean ${req.runId} --endpoints ... deletes them`);
    }
  } catch (err) {
    error = err as Error;
    status = req.signal.aborted ? 'aborted' : 'failed';
    logger.error({ err: String(err), code: (err as EtcdlabError).code }, 'run failed');
  } finally {
    for (const a of server.connected()) a.socket.emit('run:end', { runId: req.runId, reason: status });
    await fleet.stop();
    await probe.close();
    await sampling?.stop();
    unfollow?.();
    await server.close();
    await scraper?.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'metrics scraper did not stop cleanly'));
    await writer.close();
    claim.release();
    progress.done();
  }

  // Every coordinator restart of the run is stated (an earlier resume that was killed too is among them).
  warnings.unshift(...resumes.map((r) => resumeWarning(r, startedAt.getTime())));
  const finishedAt = new Date().toISOString();
  const failure = error ? { code: (error as EtcdlabError).code ?? 'E_INTERNAL', message: error.message } : undefined;
  const final = manifest({ schemaVersion: MANIFEST_SCHEMA_VERSION, finishedAt, status, phases: records, runWarnings: warnings, integrity: { ok: mismatches.length === 0, mismatches }, ...(failure ? { error: failure } : {}), ...(keys ? { keys } : {}) });
  // Checked against the schema every reader uses; a mismatch is a bug here, written anyway (nothing is lost).
  const checked = writtenManifestSchema.safeParse(final);
  if (!checked.success) logger.error({ issues: checked.error.issues.slice(0, 5) }, 'manifest does not match its schema');
  writer.writeJson('manifest.json', final);
  const summary = finishRun(req.runDir, progress, logger);
  return error ? { summary, error } : { summary };
}

function resumeNote(r: ResumeState, resumedAtMs: number, back: number, of: number): string {
  const away = ((resumedAtMs - r.lastSeenAtMs) / 1000).toFixed(1);
  const where = r.inProgress ? `taking over phase ${r.inProgress.phase.name} (${r.inProgress.seed.length} interval report(s) of it already here)` : `${r.records.length} phase(s) recorded`;
  return `resuming run ${r.runId}: its coordinator was last seen ${away} s ago; ${where}; ${back}/${of} agent(s) back`;
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

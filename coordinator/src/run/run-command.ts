/**
 * The one run path. Every command that runs a workload (quickstart, run, sweep) comes through here with
 * a cluster source and a fleet: the set-up is done once (results folder, logger, interrupt handling),
 * then the run, the release of the cluster, and the outcome with its exit status.
 */
import { rmSync } from 'node:fs';
import { InputError, type RunSummary, type Workload } from '@etcdlab/common';
import type { ClusterSource, ClusterTarget } from '../cluster/target.js';
import { checkFaultTargets, lastingActions, linkNeeds, runRefusal } from '../faults/fault-check.js';
import type { Fleet, FleetFactory } from '../fleet/fleet.js';
import { reportOutcome } from '../output/outcome.js';
import { Progress } from '../output/progress.js';
import { interruptSignal } from './interrupt.js';
import { checkResultsRoot, createRunDir, createRunLogger } from './run-folder.js';
import { executeRun } from './run-session.js';
import { type ResumeState, stopOrphanAgents } from './resume.js';
import type { LiveListen } from '../live/listen-option.js';
import { LiveModel } from '../live/live-model.js';
import { type LiveView, openLiveView } from '../live/live-server.js';

export interface RunSpec {
  /** The command as the user typed it (recorded in the manifest). */
  invocation: Record<string, unknown> & { command: string };
  workload: Workload;
  resultsRoot: string;
  source: ClusterSource;
  fleet: FleetFactory;
  /** Ask the source for a fresh cluster of this size (local: the size; docker/ssh: recreate). */
  members?: number;
  /** Leave a cluster the run started running (local --keep). */
  keep?: boolean;
  /** Checks before the source's own (the fleet's: agents installed). */
  precheck?: () => Promise<void>;
  /** run --resume: continue the run of this folder instead of starting one. */
  resume?: ResumeState;
  /** run --run-id: the run's id (and folder name) instead of a new one. */
  runId?: string;
  /** Delete the run's keys at its end. */
  cleanKeys?: boolean;
  /** After the cleanup: compact, or compact and defragment (--compact, --defrag). */
  reclaim?: 'compact' | 'defrag';
  /** --name and --tag (the manifest's `name` and `tags`). */
  labels?: { name?: string; tags?: Record<string, string> };
  /** --metrics-listen: where the live view listens during the run, or off (docs/live.md). */
  liveListen?: LiveListen;
}

export interface RunResult {
  summary?: RunSummary;
  error?: Error;
}

/**
 * One run: the source is checked before a results folder exists; a failure to get the cluster with bad
 * input leaves no folder behind; whatever was measured is written even when the run fails or is
 * interrupted. Never throws for a failed run: the error comes back beside the summary.
 */
export async function runOnce(spec: RunSpec, progress: Progress, signal: AbortSignal, view?: LiveView): Promise<RunResult> {
  const { runId, runDir } = spec.resume ?? createRunDir(spec.resultsRoot, spec.runId);
  const logger = createRunLogger(runDir);
  // The view shows this run from now on (a sweep's next run replaces it).
  const live = view ? new LiveModel(runId, spec.workload) : undefined;
  view?.show(live, (err) => logger.warn({ err: String(err) }, 'live view: a request failed'));
  logger.info({ invocation: spec.invocation, provider: spec.source.provider, resume: Boolean(spec.resume) }, spec.resume ? 'run resumed' : 'run');
  let target: ClusterTarget | undefined;
  try {
    progress.note(`etcdlab ${spec.invocation.command} ${runId}: ${spec.source.label}`);
    let fleet: Fleet;
    try {
      const links = linkNeeds(spec.workload);
      target = await spec.source.acquire({ runDir, logger, note: (l) => progress.note(l), signal, ...(spec.members !== undefined ? { members: spec.members } : {}), ...(links ? { links } : {}) });
      progress.note(`cluster healthy: ${target.endpoints.join(', ')} (etcd ${target.etcdVersion ?? '?'})`);
      checkFaultTargets(spec.workload, { provider: target.provider, members: target.members.map((m) => m.name) });
      const lasting = lastingActions(spec.workload);
      if (lasting.length && target.faults?.prepare) {
        const prep = await target.faults.prepare(lasting);
        for (const line of prep.notes) progress.note(line);
        if (prep.refusals.length) throw runRefusal(prep.refusals);
      }
      if (spec.resume) {
        const stopped = await stopOrphanAgents(spec.resume, logger);
        if (stopped) progress.note(`stopped ${stopped} agent process(es) the earlier coordinator left; new ones resend their spools`);
      }
      fleet = await spec.fleet({ target, runId, runDir, logger, note: (l) => progress.note(l) });
    } catch (err) {
      // Nothing was measured: bad input (a port in use, agents never installed) leaves no folder behind.
      if (err instanceof InputError && !spec.resume) rmSync(runDir, { recursive: true, force: true });
      logger.error({ err: String(err) }, 'run not started');
      return { error: err as Error };
    }
    return await executeRun({ runId, runDir, workload: spec.workload, target, fleet, logger, progress, signal, invocation: spec.invocation, ...(spec.resume ? { resume: spec.resume } : {}), ...(spec.cleanKeys ? { cleanKeys: true } : {}), ...(spec.reclaim ? { reclaim: spec.reclaim } : {}), ...(spec.labels ? { labels: spec.labels } : {}), ...(live ? { live } : {}) });
  } catch (err) {
    return { error: err as Error };
  } finally {
    if (target) for (const line of await target.release({ keep: Boolean(spec.keep) }).catch((e: unknown) => [`cluster not released cleanly: ${(e as Error).message}`])) progress.note(line);
    logger.flush();
  }
}

/** A run as a command: precheck, one run, the outcome printed; returns the exit status. */
export async function runCommand(spec: RunSpec, o: { json: boolean }): Promise<number> {
  if (!spec.resume) checkResultsRoot(spec.resultsRoot);
  checkFaultTargets(spec.workload, { provider: spec.source.provider, keep: Boolean(spec.keep) });
  // Before anything is contacted or started: a port in use is bad input.
  const view = await openLiveViewFor(spec.liveListen);
  try {
    await spec.precheck?.();
    const progress = new Progress(process.stderr);
    if (view) progress.note(liveViewNote(view));
    await spec.source.precheck((l) => progress.note(l));
    const interrupt = interruptSignal(() => progress.note('interrupted: stopping the run and keeping what was measured (Ctrl-C again to quit at once)'));
    try {
      const r = await runOnce(spec, progress, interrupt.signal, view);
      if (!r.summary) throw r.error;
      return reportOutcome(r.summary, r.error, o);
    } finally {
      interrupt.dispose();
    }
  } finally {
    await view?.close();
  }
}

/** The live view of --metrics-listen (default: loopback, any free port), or none with `off`. */
export const openLiveViewFor = async (listen: LiveListen | undefined): Promise<LiveView | undefined> => (listen && listen !== 'off' ? openLiveView(listen) : undefined);

export const liveViewNote = (view: LiveView): string => `live view: ${view.url} (metrics at /metrics)`;

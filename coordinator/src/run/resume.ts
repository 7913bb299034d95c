/**
 * `run --resume FOLDER`: what a resumed coordinator takes over from the folder an earlier one left
 * (docs/resilience.md). Read and refused here, before anything starts: the folder must be an unfinished
 * `etcdlab run`, its workload file unchanged. The phase in progress comes back with the reports of it
 * already written, so that resent ones are not written twice and the end-of-phase check sums them all.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  encodeHistogram,
  ErrorCodes,
  type InProgressPhase,
  InputError,
  type IntervalReport,
  type ManifestView,
  manifestSchema,
  newMergeHistogram,
  overridesOf,
  type PhaseRecord,
  type Problem,
  type ResumeRecord,
  type Workload,
  type WorkloadOverrides,
} from '@etcdlab/common';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { MANIFEST_MAX_BYTES, readFolderFile } from '../files/bounded-read.js';
import { readRun } from '../report/raw/read-run.js';
import { COORDINATOR_FILE } from './run-folder.js';

export interface ResumeState {
  runId: string;
  runDir: string;
  manifest: ManifestView;
  /** The command line of the run, as recorded (paths resolved against the directory it ran in). */
  invocation: Record<string, unknown> & { command: string };
  workload: Workload;
  records: PhaseRecord[];
  warnings: string[];
  mismatches: NonNullable<ManifestView['integrity']>['mismatches'];
  /** The phase the earlier coordinator had started and not recorded, with its reports so far. */
  inProgress?: { phase: InProgressPhase; seed: IntervalReport[] };
  /** When the earlier coordinator last wrote to the folder (ms since the epoch). */
  lastSeenAtMs: number;
  resumes: ResumeRecord[];
}

const refuse = (message: string, problems: Problem[]): InputError => new InputError(ErrorCodes.resumeRefused, message, problems);

/** Option values that name files, resolved against the directory the run was started in. */
const PATH_OPTIONS = ['workload', 'inventory', 'cacert', 'cert', 'key', 'results'] as const;

/** Reads an unfinished run's folder for a resume; every reason it cannot be resumed is a coded input error. */
export function loadResumeState(dirArg: string, loadWorkload: (file: string, quick: boolean, overrides: WorkloadOverrides) => Workload): ResumeState {
  const runDir = resolve(dirArg);
  const manifestFile = join(runDir, 'manifest.json');
  const fix = 'pass the folder of an `etcdlab run` whose coordinator was killed (results/<run-id>, manifest.json says "status": "running")';
  if (!existsSync(manifestFile)) throw refuse(`${runDir} is not a results folder`, [{ file: manifestFile, message: 'missing', fix }]);
  let parsed: ManifestView;
  try {
    const read = readFolderFile(manifestFile, MANIFEST_MAX_BYTES);
    if ('problem' in read) throw new Error(read.problem);
    const r = manifestSchema.safeParse(JSON.parse(read.text));
    if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    parsed = r.data;
  } catch (err) {
    throw refuse(`${manifestFile} cannot be read`, [{ file: manifestFile, message: (err as Error).message, fix }]);
  }
  if (parsed.status !== 'running')
    throw refuse(`run ${parsed.runId} is not unfinished (status ${parsed.status ?? 'none'}): there is nothing to resume`, [
      { file: manifestFile, field: 'status', message: String(parsed.status ?? 'none'), fix: `etcdlab report ${runDir} shows what it measured; resume only a run whose coordinator was killed` },
    ]);
  const alive = coordinatorAlive(runDir);
  if (alive !== undefined)
    throw refuse(`run ${parsed.runId} is still running: its coordinator (pid ${alive}) is alive on this machine`, [
      { file: join(runDir, COORDINATOR_FILE), field: 'pid', message: String(alive), fix: 'resume only a run whose coordinator is gone; stop it with Ctrl-C (it keeps what was measured) or wait for it to end' },
    ]);
  const inv = parsed['invocation'] as Record<string, unknown> | undefined;
  if (!inv || inv['command'] !== 'run')
    throw refuse(`run ${parsed.runId} was started by \`etcdlab ${String(inv?.['command'] ?? '?')}\`: only \`etcdlab run\` can be resumed`, [
      { file: manifestFile, field: 'invocation.command', message: String(inv?.['command'] ?? 'none'), fix: 'a local cluster (quickstart, sweep) ends with its coordinator; etcdlab report shows what was measured' },
    ]);
  const fleetKind = (parsed['fleet'] as { kind?: unknown } | undefined)?.kind;
  if (fleetKind === 'containers')
    throw refuse(`run ${parsed.runId} had its agents in containers, which cannot be taken over`, [
      { file: manifestFile, field: 'fleet.kind', message: 'containers', fix: 'agent containers end with their coordinator (their spool is inside them); etcdlab report shows what was measured' },
    ]);
  // The recorded options go back through the run path: each must still be what the command line gives.
  const wrongType = (k: string, t: string) => ({ file: manifestFile, field: `invocation.${k}`, message: `${JSON.stringify(inv[k])} is not a ${t}`, fix: 'a folder written by etcdlab run, unedited' });
  const typeProblems = [
    ...['endpoints', 'inventory', 'cacert', 'cert', 'key', 'results', 'cwd'].filter((k) => inv[k] !== undefined && inv[k] !== null && typeof inv[k] !== 'string').map((k) => wrongType(k, 'string')),
    ...(typeof inv['workload'] !== 'string' ? [wrongType('workload', 'string')] : []),
    ...(inv['agents'] !== undefined && !(Number.isInteger(inv['agents']) && (inv['agents'] as number) >= 1 && (inv['agents'] as number) <= 64) ? [wrongType('agents', 'whole number from 1 to 64')] : []),
  ];
  if (typeProblems.length) throw refuse(`run ${parsed.runId}'s recorded command line is not one etcdlab wrote`, typeProblems.slice(0, 5));
  const cwd = typeof inv['cwd'] === 'string' ? inv['cwd'] : process.cwd();
  const invocation: ResumeState['invocation'] = { ...inv, command: 'run' };
  for (const k of PATH_OPTIONS) {
    const v = inv[k];
    if (typeof v === 'string' && !isAbsolute(v)) invocation[k] = resolve(cwd, v);
  }
  const workloadFile = String(invocation['workload']);
  const workload = loadWorkload(workloadFile, inv['quick'] === true, overridesOf(inv));
  // The schedule the agents run is the one the run started with: a changed file would be another run.
  if (JSON.stringify(workload.phases) !== JSON.stringify(parsed.workload.phases))
    throw refuse(`the workload file ${workloadFile} changed since run ${parsed.runId} started`, [
      { file: workloadFile, field: 'phases', message: 'differs from the workload recorded in manifest.json', fix: 'restore the file as it was when the run started, or start a new run' },
    ]);

  const records = (parsed.phases ?? []) as PhaseRecord[];
  const recorded = new Set(records.map((r) => r.name));
  const current = parsed.inProgress && !recorded.has(parsed.inProgress.name) ? parsed.inProgress : undefined;
  const seed = current ? seedReports(runDir, parsed.runId, current.name) : [];
  return {
    runId: parsed.runId,
    runDir,
    manifest: parsed,
    invocation,
    workload,
    records,
    warnings: parsed.runWarnings ?? [],
    mismatches: parsed.integrity?.mismatches ?? [],
    ...(current ? { inProgress: { phase: current, seed } } : {}),
    lastSeenAtMs: lastAliveMs(runDir),
    resumes: parsed.resumes ?? [],
  };
}

/** The pid of the folder's coordinator when it is still running here (another machine's cannot be told). */
function coordinatorAlive(runDir: string): number | undefined {
  let claim: { pid?: unknown; host?: unknown };
  try {
    const read = readFolderFile(join(runDir, COORDINATOR_FILE), 64 * 1024);
    if ('problem' in read) return undefined;
    claim = JSON.parse(read.text) as typeof claim;
  } catch {
    return undefined;
  }
  if (typeof claim.pid !== 'number' || claim.host !== hostname() || claim.pid === process.pid) return undefined;
  try {
    return readFileSync(`/proc/${claim.pid}/cmdline`, 'utf8').includes('etcdlab') ? claim.pid : undefined;
  } catch {
    return undefined;
  }
}

const EMPTY = encodeHistogram(newMergeHistogram());

/** The phase's interval reports as the earlier coordinator wrote them (the .hlog and .intervals.jsonl joined). */
function seedReports(runDir: string, runId: string, phase: string): IntervalReport[] {
  return readRun(runDir)
    .intervals.filter((i) => i.phase === phase)
    .map((i) => ({
      runId,
      agentId: i.agentId,
      instance: i.instance ?? 'unknown',
      seq: i.seq,
      phase: i.phase,
      intervalStartMs: i.startMs,
      intervalMs: i.lengthMs,
      cpuUs: i.cpuUs,
      lateStarts: i.lateStarts,
      ops: i.ops.map((o) => ({ op: o.op, count: o.count, errors: o.errors, histogram: o.histogram || EMPTY, ...(o.serviceHistogram ? { serviceHistogram: o.serviceHistogram } : {}) })),
      ...(i.droppedStarts !== undefined ? { droppedStarts: i.droppedStarts } : {}),
      ...(i.errorEndpoints ? { errorEndpoints: i.errorEndpoints } : {}),
      ...(i.warmup ? { warmup: true } : {}),
      ...(i.writes !== undefined ? { writes: i.writes } : {}),
      ...(i.checkpointAtMs !== undefined ? { checkpointAtMs: i.checkpointAtMs } : {}),
    }));
}

/**
 * When the earlier coordinator was last alive: its heartbeat (coordinator.json, every second); for a
 * folder without one, the latest change to the files only a coordinator writes (manifest, metrics).
 */
function lastAliveMs(runDir: string): number {
  try {
    const read = readFolderFile(join(runDir, COORDINATOR_FILE), 64 * 1024);
    if ('problem' in read) throw new Error(read.problem);
    const claim = JSON.parse(read.text) as { aliveAtMs?: unknown };
    if (typeof claim.aliveAtMs === 'number') return claim.aliveAtMs;
  } catch {
    /* an older folder: from the files */
  }
  const metrics = join(runDir, 'metrics');
  const files = [join(runDir, 'manifest.json'), ...(existsSync(metrics) ? readdirSync(metrics).map((f) => join(metrics, f)) : [])];
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

/** What a resumed run says about the time it had no coordinator (summary, report, manifest). Pure. */
export function resumeWarning(r: ResumeRecord, baseTimeMs: number): string {
  const away = (r.resumedAtMs - r.lastSeenAtMs) / 1000;
  const at = (ms: number) => `+${((ms - baseTimeMs) / 1000).toFixed(1)} s`;
  const during = r.phase ? `, during phase ${r.phase}` : ', between phases';
  const late = r.deliveredLate ? `; ${r.deliveredLate} interval report(s) of that time came from the agents' spools` : '';
  return `the coordinator was away for ${away.toFixed(1)} s (last seen at ${at(r.lastSeenAtMs)}, resumed at ${at(r.resumedAtMs)}${during}) and the run was resumed${late}; etcd's metrics and the host samples have a gap there`;
}

/**
 * Local agent processes of the run that outlived their coordinator (orphans wait up to 30 s for it) are
 * stopped gracefully: SIGTERM makes an agent end its phase and write the end report to its spool, which
 * the process started in its place resends. Only processes whose command line names this run's folder
 * are signalled (a pid may have been reused). Bounded: SIGKILL after 8 s.
 */
export async function stopOrphanAgents(state: ResumeState, logger: Logger): Promise<number> {
  if ((state.manifest['fleet'] as { kind?: unknown } | undefined)?.kind !== 'processes') return 0;
  const ours = (pid: number): boolean => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state.runDir);
    } catch {
      return false;
    }
  };
  const pids = state.manifest.agents.map((a) => a.pid).filter((p): p is number => typeof p === 'number' && ours(p));
  for (const pid of pids) {
    logger.warn({ pid }, 'agent process of the earlier coordinator still running: stopping it (its reports stay in its spool)');
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 8000;
  while (pids.some(ours) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(ours)) process.kill(pid, 'SIGKILL');
  return pids.length;
}

import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, InputError } from '@etcdlab/common';
import pino, { type Logger } from 'pino';

export interface RunDir {
  runId: string;
  runDir: string;
}

/** A sortable, unique run id: 20261120-224501-3fa2. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Checked before anything is contacted: the results root is a folder that can be written, or can be made. */
export function checkResultsRoot(resultsRoot: string): void {
  const refuse = (why: string) =>
    new InputError(ErrorCodes.optionInvalid, `cannot make a results folder under ${resultsRoot}`, [{ field: '--results', message: `${resultsRoot}: ${why}`, fix: 'give a folder that can be written (it is created if missing), e.g. --results results' }]);
  let at = resolve(resultsRoot);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  if (!statSync(at).isDirectory()) throw refuse(at === resolve(resultsRoot) ? 'is a file' : `${at} is a file`);
  try {
    accessSync(at, constants.W_OK);
  } catch {
    throw refuse(`${at} cannot be written`);
  }
}

/** The run's folder under the results root; a root that is a file or cannot be written is bad input (--results). */
export function createRunDir(resultsRoot: string, named?: string): RunDir {
  const runId = named ?? newRunId();
  const runDir = resolve(resultsRoot, runId);
  try {
    // A named run's folder may exist from a start that died before its manifest: it is taken again.
    mkdirSync(join(runDir, 'agents'), { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(ErrorCodes.optionInvalid, `cannot make a results folder under ${resultsRoot}`, [
      { field: '--results', message: `${resultsRoot}: ${code === 'ENOTDIR' || code === 'EEXIST' ? 'is a file (or holds one on the way)' : code}`, fix: 'give a folder that can be written (it is created if missing), e.g. --results results' },
    ]);
  }
  return { runId, runDir };
}

/** The run's JSON log (pino), in the run folder; the terminal shows human progress separately. */
export function createRunLogger(runDir: string): Logger {
  return pino({ base: { component: 'coordinator' }, redact: ['token', '*.token', 'tls.key'] }, pino.destination({ dest: join(runDir, 'etcdlab.log'), sync: true }));
}


/** The file naming the coordinator process that runs the folder's run, and when it was last alive. */
export const COORDINATOR_FILE = 'coordinator.json';

/** How often the coordinator says it is alive: a resume states the time without one to about this. */
const HEARTBEAT_MS = 1000;

/**
 * This process, on this machine, runs the folder's run now: rewritten every second (a resume reads when
 * the dead coordinator was last alive, and refuses a folder whose coordinator still is); removed at the end.
 */
export function claimRunDir(runDir: string): { release(): void } {
  const file = join(runDir, COORDINATOR_FILE);
  const since = new Date().toISOString();
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, host: hostname(), since, aliveAtMs: Date.now() }) + '\n');
    renameSync(`${file}.tmp`, file);
  };
  write();
  const timer = setInterval(write, HEARTBEAT_MS);
  timer.unref();
  return {
    release() {
      clearInterval(timer);
      rmSync(file, { force: true });
    },
  };
}

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

export function createRunDir(resultsRoot: string): RunDir {
  const runId = newRunId();
  const runDir = resolve(resultsRoot, runId);
  mkdirSync(join(runDir, 'agents'), { recursive: true });
  return { runId, runDir };
}

/** The run's JSON log (pino), in the run folder; the terminal shows human progress separately. */
export function createRunLogger(runDir: string): Logger {
  return pino({ base: { component: 'coordinator' }, redact: ['token', '*.token', 'tls.key'] }, pino.destination({ dest: join(runDir, 'etcdlab.log'), sync: true }));
}


import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EtcdlabError, ErrorCodes, InputError, parseWorkload, type RunSummary, type Workload } from '@etcdlab/common';
import pino, { type Logger } from 'pino';
import { renderSummaryTable } from '../output/summary-table.js';

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

export function loadWorkloadFile(file: string, quick: boolean): Workload {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(ErrorCodes.workloadUnreadable, `cannot read workload file ${file}`, [
      { file, message: (err as NodeJS.ErrnoException).code ?? String(err), fix: 'pass an existing workload file, e.g. workloads/suite.yaml' },
    ]);
  }
  return parseWorkload(text, file, { quick });
}

/** An AbortSignal fired by the first Ctrl-C or SIGTERM; a second one exits at once. */
export function interruptSignal(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const ctrl = new AbortController();
  const handler = () => {
    if (ctrl.signal.aborted) process.exit(130);
    onFirst();
    ctrl.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ctrl.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/**
 * Prints the outcome (the table on stdout, or only the summary JSON with --json) and chooses the exit
 * status: 0 completed, 3 the merged results do not add up, 130 interrupted, else the error's own.
 */
export function reportOutcome(summary: RunSummary, error: Error | undefined, opts: { json: boolean }): number {
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(`\n${renderSummaryTable(summary, { color: Boolean(process.stdout.isTTY) })}\n`);
    process.stdout.write(`\nresults: ${summary.runDir}\n`);
  }
  for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!summary.integrity.ok) {
    process.stderr.write(`\nERROR ${ErrorCodes.histogramMismatch}: merged results do not add up; they must not be trusted:\n`);
    for (const m of summary.integrity.mismatches) process.stderr.write(`  agent ${m.agentId}, phase ${m.phase}, op ${m.op}: ${m.detail}\n`);
  }
  if (error) process.stderr.write(`\n${error instanceof EtcdlabError ? error.describe() : `error: ${error.message}`}\n`);
  if (summary.status === 'aborted') return 130;
  if (error) return error instanceof EtcdlabError ? error.exitCode : 1;
  return summary.integrity.ok ? 0 : 3;
}

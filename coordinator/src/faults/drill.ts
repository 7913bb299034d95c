/**
 * One fault on a cluster that runs without load (`etcdlab fault`, docs/faults.md): a window of the fault
 * runner that starts now, so a drill resolves its target, injects, measures and undoes exactly as a
 * fault inside a workload does. An interrupt ends it early, undone.
 */
import { faultWindows, type FaultRecord, type FaultSpec } from '@etcdlab/common';
import type { Logger } from 'pino';
import { type FaultTarget, startPhaseFaults } from './fault-runner.js';

export async function runDrill(target: FaultTarget, spec: FaultSpec, o: { logger: Logger; note: (line: string) => void; warn: (line: string) => void; signal: AbortSignal }): Promise<FaultRecord> {
  const now = performance.timeOrigin + performance.now();
  // The window is the fault's own length; maintenance actions have none (over when etcd answers).
  const windows = faultWindows([{ ...spec, atMs: 0 }], (spec.forMs ?? 0) + 1);
  const run = startPhaseFaults(windows, now, target, o.logger, o.warn, o.note);
  const interrupted = new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })));
  await Promise.race([run.settled, interrupted]);
  const [rec] = await run.finish();
  if (!rec) throw new Error('the fault was not injected (interrupted before it started)');
  return rec;
}

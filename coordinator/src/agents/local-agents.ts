import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';

export interface LocalAgents {
  ids: string[];
  /** Terminates agents still running and waits for them to exit. */
  stop(): Promise<void>;
}

/** The built agent entry point, resolved through the workspace package. */
export function agentEntryPoint(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@etcdlab/agent/package.json')), 'dist', 'main.js');
}

/**
 * Starts agents as separate Node processes on this machine. The token travels in the environment, not
 * the command line. Each agent logs JSON to agents/<id>.log in the run folder; its stderr (a crash)
 * goes to agents/<id>.stderr.
 */
export function startLocalAgents(opts: { count: number; coordinatorUrl: string; token: string; runDir: string; logger: Logger }): LocalAgents {
  const entry = agentEntryPoint();
  const children: ChildProcess[] = [];
  const ids = Array.from({ length: opts.count }, (_, i) => `agent-${i + 1}`);
  for (const id of ids) {
    const errFd = openSync(join(opts.runDir, 'agents', `${id}.stderr`), 'a');
    const child = spawn(
      process.execPath,
      [entry, '--coordinator', opts.coordinatorUrl, '--id', id, '--exit-on-run-end', '--orphan-timeout', '30', '--log-file', join(opts.runDir, 'agents', `${id}.log`)],
      { env: { ...process.env, ETCDLAB_TOKEN: opts.token }, stdio: ['ignore', 'ignore', errFd] },
    );
    closeSync(errFd);
    child.on('exit', (code, signal) => opts.logger.info({ agentId: id, pid: child.pid, code, signal }, 'agent process exited'));
    opts.logger.info({ agentId: id, pid: child.pid }, 'agent process started');
    children.push(child);
  }
  return {
    ids,
    async stop() {
      // Agents leave on their own after run:end; only the ones still there after a grace period are signalled.
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const term = setTimeout(() => c.kill('SIGTERM'), 3000);
              const kill = setTimeout(() => c.kill('SIGKILL'), 8000);
              c.once('exit', () => {
                clearTimeout(term);
                clearTimeout(kill);
                resolve();
              });
            }),
        ),
      );
    },
  };
}

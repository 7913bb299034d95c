import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Fleet, FleetFactory } from './fleet.js';

/** The built agent entry point, resolved through the workspace package. */
export function agentEntryPoint(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@etcdlab/agent/package.json')), 'dist', 'main.js');
}

/** `agent-1` ... `agent-n`. */
export const localAgentIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `agent-${i + 1}`);

/**
 * Starts agents as separate Node processes on this machine. The token travels in the environment, not
 * the command line. Each agent logs JSON to agents/<id>.log in the run folder; its stderr (a crash)
 * goes to agents/<id>.stderr.
 */
function spawnAgents(o: { ids: string[]; coordinatorUrl: string; token: string; runDir: string; logger: Logger }): ChildProcess[] {
  const entry = agentEntryPoint();
  return o.ids.map((id) => {
    const errFd = openSync(join(o.runDir, 'agents', `${id}.stderr`), 'a');
    const child = spawn(
      process.execPath,
      [entry, '--coordinator', o.coordinatorUrl, '--id', id, '--exit-on-run-end', '--orphan-timeout', '30', '--log-file', join(o.runDir, 'agents', `${id}.log`)],
      { env: { ...process.env, ETCDLAB_TOKEN: o.token }, stdio: ['ignore', 'ignore', errFd] },
    );
    closeSync(errFd);
    child.on('exit', (code, signal) => o.logger.info({ agentId: id, pid: child.pid, code, signal }, 'agent process exited'));
    o.logger.info({ agentId: id, pid: child.pid }, 'agent process started');
    return child;
  });
}

/** Agents leave on their own after run:end; only the ones still there after a grace period are signalled. */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
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
}

/** `count` agent processes on this machine, dialing the coordinator on loopback. */
export const localFleet =
  (count: number): FleetFactory =>
  async (ctx): Promise<Fleet> => {
    const ids = localAgentIds(count);
    const token = randomBytes(24).toString('base64url');
    let children: ChildProcess[] = [];
    return {
      kind: 'processes',
      listen: { host: '127.0.0.1', port: 0 },
      token,
      ids,
      monitors: [],
      record: { kind: 'processes', count },
      missingHint: { message: 'local agent processes', fix: `see their logs in ${join(ctx.runDir, 'agents')}/` },
      async start(coordinatorUrl) {
        children = spawnAgents({ ids, coordinatorUrl, token, runDir: ctx.runDir, logger: ctx.logger });
      },
      stop: () => stopAll(children),
    };
  };

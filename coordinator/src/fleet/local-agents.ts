import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, rmSync } from 'node:fs';
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

/** A local agent that dies mid-run is started again (as systemd does for service agents), this often at most. */
export const LOCAL_AGENT_RESTARTS = 3;

/**
 * Agents as separate Node processes on this machine, supervised: one that exits on its own (a crash, a
 * kill) before the run ends is started again after a second, with the same id and spool directory, so
 * that it resends what it measured and rejoins the run (docs/resilience.md). The token travels in the
 * environment, not the command line. Each agent logs JSON to agents/<id>.log in the run folder; its
 * stderr (a crash) goes to agents/<id>.stderr; its durable spool is agents/spool/<id>/.
 */
class LocalAgents {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number>();
  private stopping = false;

  constructor(private readonly o: { ids: string[]; token: string; runDir: string; logger: Logger }) {}

  start(coordinatorUrl: string): void {
    for (const id of this.o.ids) this.spawn(id, coordinatorUrl);
  }

  private spawn(id: string, coordinatorUrl: string): void {
    const { runDir, logger } = this.o;
    const errFd = openSync(join(runDir, 'agents', `${id}.stderr`), 'a');
    const args = [agentEntryPoint(), '--coordinator', coordinatorUrl, '--id', id, '--exit-on-run-end', '--orphan-timeout', '30', '--log-file', join(runDir, 'agents', `${id}.log`), '--spool-dir', join(runDir, 'agents', 'spool', id)];
    const child = spawn(process.execPath, args, { env: { ...process.env, ETCDLAB_TOKEN: this.o.token }, stdio: ['ignore', 'ignore', errFd] });
    closeSync(errFd);
    this.children.set(id, child);
    logger.info({ agentId: id, pid: child.pid }, 'agent process started');
    child.on('exit', (code, signal) => {
      logger.info({ agentId: id, pid: child.pid, code, signal }, 'agent process exited');
      const n = this.restarts.get(id) ?? 0;
      // Exit 0 is the end of the run (or a signal it handled); a refusal (3) or an orphaned agent (4) will not fix itself.
      if (this.stopping || code === 0 || code === 3 || code === 4 || n >= LOCAL_AGENT_RESTARTS) return;
      this.restarts.set(id, n + 1);
      logger.warn({ agentId: id, code, signal, restart: n + 1 }, 'agent process died: starting it again');
      setTimeout(() => {
        if (!this.stopping) this.spawn(id, coordinatorUrl);
      }, 1000).unref();
    });
  }

  /** Agents leave on their own after run:end; only the ones still there after a grace period are signalled. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
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
    // An empty spool is the normal end: every report was acknowledged. Anything left stays (and is said).
    const spool = join(this.o.runDir, 'agents', 'spool');
    for (const id of this.o.ids) {
      const dir = join(spool, id);
      const left = existsSync(dir) ? readdirSync(dir) : [];
      if (left.length) this.o.logger.warn({ agentId: id, dir, files: left.length }, 'agent spool not empty at the end of the run');
      else rmSync(dir, { recursive: true, force: true });
    }
    if (existsSync(spool) && readdirSync(spool).length === 0) rmSync(spool, { recursive: true, force: true });
  }
}

/** `count` agent processes on this machine, dialing the coordinator on loopback. */
export const localFleet =
  (count: number): FleetFactory =>
  async (ctx): Promise<Fleet> => {
    const ids = localAgentIds(count);
    const token = randomBytes(24).toString('base64url');
    const agents = new LocalAgents({ ids, token, runDir: ctx.runDir, logger: ctx.logger });
    return {
      kind: 'processes',
      listen: { host: '127.0.0.1', port: 0 },
      token,
      ids,
      monitors: [],
      record: { kind: 'processes', count },
      missingHint: { message: 'local agent processes', fix: `see their logs in ${join(ctx.runDir, 'agents')}/` },
      async start(coordinatorUrl) {
        agents.start(coordinatorUrl);
      },
      stop: () => agents.stop(),
    };
  };

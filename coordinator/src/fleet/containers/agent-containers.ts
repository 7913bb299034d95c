/**
 * Load agents as containers on the cluster's network (`docker.agentsInContainers`): the Engine API body of
 * one agent (pure), and the launcher the run engine starts and stops them with. Agents dial the coordinator
 * at the network's gateway and leave on run:end; their logs are copied into the run folder before the
 * containers are removed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { demuxFrames } from '../../cluster/docker/demux.js';
import { call, isNotFound, type Engine } from '../../cluster/docker/engine.js';
import { removeContainer } from '../../cluster/docker/existing.js';
import { LABELS } from '../../cluster/docker/members.js';

export const AGENT_LABELS = { role: 'etcdlab.role', agent: 'etcdlab.agent', run: 'etcdlab.run' } as const;
export const AGENT_ROLE = 'agent';

export interface AgentContainerInput {
  cluster: string;
  image: string;
  network: string;
  runId: string;
  agentId: string;
  coordinatorUrl: string;
  token: string;
}

/** <cluster>-<agent id>-<run id>: unique per run, so two runs on one cluster never collide (pure). */
export const agentContainerName = (cluster: string, agentId: string, runId: string): string => `${cluster}-${agentId}-${runId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');

export function agentContainerSpec(a: AgentContainerInput): Docker.ContainerCreateOptions {
  return {
    name: agentContainerName(a.cluster, a.agentId, a.runId),
    // The agent reports its host name; the agent id makes it readable in the roster.
    Hostname: `${a.cluster}-${a.agentId}`.replace(/[^a-zA-Z0-9.-]/g, '-').slice(0, 63),
    Image: a.image,
    // The spool in the container's own file system survives a restart of the container (not a new one).
    Cmd: ['--coordinator', a.coordinatorUrl, '--id', a.agentId, '--exit-on-run-end', '--orphan-timeout', '30', '--spool-dir', '/tmp/etcdlab-spool'],
    // The token in the environment, as for local agents: never on the command line.
    Env: [`ETCDLAB_TOKEN=${a.token}`],
    Labels: { [LABELS.cluster]: a.cluster, [AGENT_LABELS.role]: AGENT_ROLE, [AGENT_LABELS.agent]: a.agentId, [AGENT_LABELS.run]: a.runId },
    HostConfig: {
      NetworkMode: a.network,
      // A crashed agent is started again, as systemd does for service agents: it rejoins the phase.
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      // Not AutoRemove: the log is read after the agent exits.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '3' } },
    },
  };
}

/** Every agent container of a cluster, running or not (for removal by `cluster clean`). */
export async function clusterAgentContainers(engine: Engine, cluster: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABELS.cluster}=${cluster}`, `${AGENT_LABELS.role}=${AGENT_ROLE}`] });
  const list = await call('listing agent containers', () => engine.docker.listContainers({ all: true, filters }));
  return list.map((c) => c.Id);
}

/** Starts dial-in agents for one run and removes them after it (stop also undoes a partial start). */
export interface AgentLauncher {
  start(coordinatorUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ContainerLauncherOptions {
  engine: Engine;
  cluster: string;
  image: string;
  network: string;
  runId: string;
  runDir: string;
  ids: string[];
  token: string;
  logger: Logger;
  /** How long agents get to leave on their own after run:end before they are stopped. */
  exitWaitMs?: number;
}

/** Starts the agent containers once the coordinator listens; stop copies their logs and removes them. */
export function containerLauncher(o: ContainerLauncherOptions): AgentLauncher {
  const created: { agentId: string; id: string }[] = [];
  return {
    async start(coordinatorUrl) {
      for (const agentId of o.ids) {
        const spec = agentContainerSpec({ cluster: o.cluster, image: o.image, network: o.network, runId: o.runId, agentId, coordinatorUrl, token: o.token });
        const c = await call(`creating agent container ${spec.name}`, () => o.engine.docker.createContainer(spec));
        created.push({ agentId, id: c.id });
        await call(`starting agent container ${spec.name}`, () => c.start());
        o.logger.info({ agentId, container: spec.name }, 'agent container started');
      }
    },
    async stop() {
      await Promise.all(created.map((c) => finish(o, c)));
    },
  };
}

/** Waits for one agent to exit (then stops it), keeps its log in the run folder, removes the container. */
async function finish(o: ContainerLauncherOptions, c: { agentId: string; id: string }): Promise<void> {
  const container = o.engine.docker.getContainer(c.id);
  try {
    const exited = await Promise.race([
      container.wait().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), o.exitWaitMs ?? 10_000).unref()),
    ]);
    if (!exited) await container.stop({ t: 3 }).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    const raw = await container.logs({ stdout: true, stderr: true, follow: false });
    const frames = demuxFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    const dir = path.join(o.runDir, 'agents');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${c.agentId}.log`), Buffer.concat(frames.filter((f) => f.stream === 'stdout').map((f) => f.data)));
    const stderr = Buffer.concat(frames.filter((f) => f.stream === 'stderr').map((f) => f.data));
    if (stderr.length > 0) await writeFile(path.join(dir, `${c.agentId}.stderr`), stderr);
  } catch (err) {
    o.logger.warn({ agentId: c.agentId, err: String(err) }, 'agent container log not kept');
  } finally {
    await removeContainer(o.engine, c.id).catch((err: unknown) => o.logger.warn({ agentId: c.agentId, err: String(err) }, 'agent container not removed'));
  }
}

/**
 * The project's private dockerd (scripts/testbed/dockerd.sh) for docker provider tests: started when it is
 * not running (installing docker.io as root when missing) and stopped afterwards only by the test that
 * started it, since other test files may share it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

const script = fileURLToPath(new URL('../../../scripts/testbed/dockerd.sh', import.meta.url));

function sh(arg: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('bash', [script, arg], { timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr }),
    ),
  );
}

export interface DockerTestbed {
  socket: string;
  docker: Docker;
  /** Stops the daemon if this testbed started it. */
  release(): Promise<void>;
}

/** Fails (never skips) with the script's own message when no dockerd can be had. */
export async function useDockerTestbed(): Promise<DockerTestbed> {
  const wasRunning = (await sh('status')).code === 0;
  const started = wasRunning ? await sh('status') : await sh('start');
  if (started.code !== 0) throw new Error(`the docker tests need a Docker Engine: ${script} start failed:\n${started.stderr}\nInstall docker.io (apt-get install docker.io) or run the tests as root on Debian so the script can.`);
  const socket = started.stdout.trim().split('\n').pop() as string;
  return {
    socket,
    docker: new Docker({ socketPath: socket }),
    release: async () => {
      if (!wasRunning) await sh('stop');
    },
  };
}

/** Containers, volumes and networks carrying the cluster's label (what `clean` must leave at zero). */
export async function labelledObjects(docker: Docker, cluster: string): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const filters = JSON.stringify({ label: [`etcdlab.cluster=${cluster}`] });
  const [containers, volumes, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters }), docker.listNetworks({ filters })]);
  return { containers: containers.map((c) => c.Names[0] ?? c.Id), volumes: (volumes.Volumes ?? []).map((v) => v.Name), networks: networks.map((n) => n.Name) };
}

/** Removes whatever a failed test left of a cluster. */
export async function removeLabelled(docker: Docker, cluster: string): Promise<void> {
  const filters = JSON.stringify({ label: [`etcdlab.cluster=${cluster}`] });
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}

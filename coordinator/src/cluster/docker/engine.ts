/**
 * The connection to a Docker Engine (dockerode) and the mapping of its failures to coded errors.
 */
import Docker from 'dockerode';
import { ClusterError, ErrorCodes } from '@etcdlab/common';

export interface Engine {
  docker: Docker;
  /** Where it is, for messages: unix:///path or tcp://host:port. */
  endpoint: string;
  /** The engine runs on this machine (a unix socket): host ports and routes can be checked here. */
  local: boolean;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** dockerode options for docker.socket (a path, unix:// or tcp://), else DOCKER_HOST, else the default socket (pure). */
export function engineOptions(socket: string | undefined, env: NodeJS.ProcessEnv = process.env): { options: Docker.DockerOptions; endpoint: string; local: boolean } {
  const given = socket ?? env.DOCKER_HOST ?? DEFAULT_SOCKET;
  if (given.startsWith('tcp://') || given.startsWith('http://')) {
    const url = new URL(given.replace(/^tcp:/, 'http:'));
    return { options: { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' }, endpoint: given, local: false };
  }
  const path = given.startsWith('unix://') ? given.slice('unix://'.length) : given;
  return { options: { socketPath: path }, endpoint: `unix://${path}`, local: true };
}

/** Connects and pings (5 s), or fails with E_DOCKER_UNAVAILABLE saying how to get an engine. */
export async function connectEngine(socket: string | undefined, source?: string): Promise<Engine> {
  const { options, endpoint, local } = engineOptions(socket);
  const docker = new Docker(options);
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ClusterError(ErrorCodes.dockerUnavailable, `cannot reach the Docker Engine at ${endpoint}: ${reason}`, {
      problems: [{
        ...(source ? { file: source } : {}),
        field: socket !== undefined ? 'docker.socket' : 'DOCKER_HOST',
        message: `${endpoint}: ${reason}`,
        fix: 'start a Docker Engine (a private one: `scripts/testbed/dockerd.sh start` prints its socket) and set docker.socket in the inventory to its socket, or DOCKER_HOST',
      }],
    });
  }
  return { docker, endpoint, local };
}

/** The Engine API's HTTP status of a failed call (dockerode puts it on the error). */
export const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | null)?.statusCode;
export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;

/** The engine's own message, without dockerode's "(HTTP code 500) server error -" preamble. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message.trim();
  return ((err as Error)?.message ?? String(err)).replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
}

/** A failed Engine API call as a coded error: what etcdlab was doing and what the engine said. */
export function dockerFailure(doing: string, err: unknown): ClusterError {
  if (err instanceof ClusterError) return err;
  return new ClusterError(ErrorCodes.dockerFailed, `${doing}: ${engineMessage(err)}`, { cause: err });
}

/** Runs an Engine API call; a failure becomes dockerFailure(doing). */
export async function call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw dockerFailure(doing, err);
  }
}

/** Reads a stream (an archive, a log) into one buffer. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Follows a JSON-lines progress stream (pull, import) to its end; an `error` line rejects. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: ProgressEvent) => void = () => undefined): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: ProgressEvent[]) => {
        const failed = out?.find((e) => e.error !== undefined || e.errorDetail !== undefined);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'failed'));
        else resolve(out ?? []);
      },
      onEvent,
    );
  });
}

export interface ProgressEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  stream?: string;
}

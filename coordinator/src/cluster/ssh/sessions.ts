import { ErrorCodes, HostError, type Inventory, type ResolvedHost } from '@etcdlab/common';
import type { Logger } from 'pino';
import { connectHost, defaultKnownHostsFiles, forEachHost, type HostStepContext, JumpPool, outcomeProblems, type RemoteHost } from '../../ssh/index.js';

/** Hosts worked on at once (each with its own connection; OpenSSH's per-connection session limit is separate). */
export const HOST_PARALLELISM = 8;

export interface SessionOptions {
  logger: Logger;
  note: (line: string) => void;
  acceptNew?: boolean;
  /** Values to redact from every log line and error (tokens). */
  secrets?: readonly string[];
}

/** Open connections to a set of hosts, closed together. */
export class HostSessions {
  private constructor(
    readonly remotes: RemoteHost[],
    private readonly o: SessionOptions,
  ) {}

  /**
   * The preflight: connects to every host (host key verified, authenticated) before anything is changed
   * anywhere. When one host cannot be reached, the others are closed again and the error names every
   * failing host with its reason, so nothing is ever half-installed because of an unreachable host.
   */
  static async open(inv: Inventory, hosts: readonly ResolvedHost[], o: SessionOptions): Promise<HostSessions> {
    const jumpPool = new JumpPool();
    const outcomes = await forEachHost(
      hosts,
      HOST_PARALLELISM,
      (host, task) =>
        task.step('connect', () =>
          connectHost(host, { knownHostsFiles: defaultKnownHostsFiles(), acceptNew: Boolean(o.acceptNew), logger: o.logger, inventoryFile: inv.source, jumpPool, ...(o.secrets ? { secrets: o.secrets } : {}) }),
        ),
      { logger: o.logger, note: o.note },
    );
    const remotes = outcomes.flatMap((x) => (x.ok ? [x.value] : []));
    if (remotes.length < hosts.length) {
      await Promise.all(remotes.map((r) => r.close()));
      const failed = outcomes.filter((x) => !x.ok).map((x) => x.host.name);
      throw new HostError(ErrorCodes.hostsFailed, `cannot connect to ${failed.length} of ${hosts.length} host(s): ${failed.join(', ')}; nothing was changed on any host`, { problems: outcomeProblems(outcomes) });
    }
    return new HostSessions(remotes, o);
  }

  /** Like open, but keeps going with the hosts that answered (for status, logs): the others come back as errors. */
  static async openReachable(inv: Inventory, hosts: readonly ResolvedHost[], o: SessionOptions): Promise<{ sessions: HostSessions; unreachable: Map<string, Error> }> {
    const jumpPool = new JumpPool();
    const outcomes = await forEachHost(
      hosts,
      HOST_PARALLELISM,
      (host) => connectHost(host, { knownHostsFiles: defaultKnownHostsFiles(), acceptNew: Boolean(o.acceptNew), logger: o.logger, inventoryFile: inv.source, jumpPool, ...(o.secrets ? { secrets: o.secrets } : {}) }),
      { logger: o.logger },
    );
    const unreachable = new Map<string, Error>();
    for (const x of outcomes) if (!x.ok) unreachable.set(x.host.name, x.error);
    return { sessions: new HostSessions(outcomes.flatMap((x) => (x.ok ? [x.value] : [])), o), unreachable };
  }

  get(name: string): RemoteHost {
    const r = this.remotes.find((x) => x.host.name === name);
    if (!r) throw new Error(`no session for host ${name}`);
    return r;
  }

  /** Runs fn on every host (bounded), each step logged per host; throws naming every host and step that failed. */
  async each<T>(what: string, fn: (remote: RemoteHost, task: HostStepContext) => Promise<T>, hosts: readonly RemoteHost[] = this.remotes): Promise<T[]> {
    const outcomes = await forEachHost(hosts.map((r) => ({ name: r.host.name, r })), HOST_PARALLELISM, (h, task) => fn(h.r, task), { logger: this.o.logger, note: this.o.note });
    const failed = outcomes.filter((x) => !x.ok);
    if (failed.length > 0)
      throw new HostError(ErrorCodes.hostsFailed, `${what} failed on ${failed.length} of ${outcomes.length} host(s): ${failed.map((f) => f.host.name).join(', ')}`, { problems: outcomeProblems(outcomes) });
    return outcomes.map((x) => (x as { value: T }).value);
  }

  async close(): Promise<void> {
    await Promise.all(this.remotes.map((r) => r.close()));
  }
}

/** Opens sessions, runs fn, always closes them. */
export async function withSessions<T>(inv: Inventory, hosts: readonly ResolvedHost[], o: SessionOptions, fn: (s: HostSessions) => Promise<T>): Promise<T> {
  const s = await HostSessions.open(inv, hosts, o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

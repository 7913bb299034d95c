import type { RemoteHost } from '../../ssh/index.js';
import { archOfUname } from './etcd-source.js';
import { detectInit, type InitMode } from './services.js';

export interface HostFacts {
  /** amd64, arm64, ... (release tarball names). */
  arch: string;
  init: { mode: InitMode; detail: string };
  /** Hard limit on open files of the service manager (PID 1): a unit cannot ask for more without CAP_SYS_RESOURCE. */
  nofileHard: number | undefined;
  /** Node.js on the host's PATH (or a usual place), when there is one. */
  node?: { path: string; version: string };
}

/** "Max open files  1024  524288  files" in /proc/<pid>/limits -> 524288 (undefined when unlimited or absent). */
export function parseNofileHard(limits: string): number | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  return m && /^\d+$/.test(m[2] as string) ? Number(m[2]) : undefined;
}

/** The limit to ask for: what etcd wants, capped by what the host allows. */
export const nofileFor = (want: number, facts: Pick<HostFacts, 'nofileHard'>): number => (facts.nofileHard ? Math.min(want, facts.nofileHard) : want);

/** Finds node the way a login shell would, then in the usual places; prints its path and version. */
const FIND_NODE = 'for n in "$(command -v node 2>/dev/null)" /usr/local/bin/node /usr/bin/node /opt/node/bin/node; do if [ -n "$n" ] && [ -x "$n" ]; then v=$("$n" --version 2>/dev/null) && { echo "$n $v"; exit 0; }; fi; done; exit 1';

/** Read-only probe of a host (part of every preflight). */
export async function probeFacts(remote: RemoteHost, o: { node?: boolean } = {}): Promise<HostFacts> {
  const u = await remote.run('uname -m', ['uname', '-m']);
  const limits = await remote.exec(['cat', '/proc/1/limits']);
  const facts: HostFacts = { arch: archOfUname(u.stdout), init: await detectInit(remote), nofileHard: limits.code === 0 ? parseNofileHard(limits.stdout) : undefined };
  if (o.node) {
    const n = await remote.exec(['sh', '-c', FIND_NODE]);
    const [path, version] = n.stdout.trim().split(/\s+/);
    if (n.code === 0 && path && version) facts.node = { path, version };
  }
  return facts;
}

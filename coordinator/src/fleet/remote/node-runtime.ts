/** Which Node.js runs the agent on a host. Pure: decided from what the preflight found. */

export const MIN_NODE = { major: 20, minor: 19 } as const;

export type RuntimeChoice =
  /** The host's own Node is new enough. */
  | { kind: 'host'; path: string; version: string }
  /** Upload this machine's own runtime (same architecture). */
  | { kind: 'upload'; from: string; version: string }
  | { kind: 'none'; reason: string };

export function nodeSatisfies(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor);
}

/** process.arch to the names used for hosts (uname -m mapped like release tarballs). */
export const archOfNode = (arch: string): string => ({ x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' })[arch] ?? arch;

export function chooseRuntime(
  host: { arch: string; node?: { path: string; version: string } },
  local: { arch: string; execPath: string; version: string },
): RuntimeChoice {
  if (host.node && nodeSatisfies(host.node.version)) return { kind: 'host', path: host.node.path, version: host.node.version };
  const localArch = archOfNode(local.arch);
  if (host.arch === localArch) return { kind: 'upload', from: local.execPath, version: local.version };
  const found = host.node ? `Node ${host.node.version} at ${host.node.path} is too old` : 'no Node.js found';
  return { kind: 'none', reason: `the host is ${host.arch}, this machine's Node.js is ${localArch} (so it cannot be uploaded), and ${found}; the agent needs Node.js >= ${MIN_NODE.major}.${MIN_NODE.minor}` };
}

export const localRuntime = () => ({ arch: process.arch, execPath: process.execPath, version: process.version });

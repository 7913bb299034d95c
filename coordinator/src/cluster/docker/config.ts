/**
 * The docker provider's view of an inventory: everything `cluster up` needs, validated once (pure).
 * Problems are InputErrors naming the inventory file, the field and the fix.
 */
import { ErrorCodes, InputError, type Inventory, type Problem } from '@etcdlab/common';

/** Images in this namespace come from `etcdlab image build`; they are never pulled. */
export const LOCAL_IMAGE_REPO = 'etcdlab/etcd';
export const DEFAULT_IMAGE = `${LOCAL_IMAGE_REPO}:latest`;
export const DEFAULT_MEMBERS = 3;
/** The first seed's scheme: member i (0-based) publishes client 2379+2i and peer 2380+2i. */
export const DEFAULT_BASE_PORT = 2379;

/** etcd flags etcdlab sets itself; extraFlags may not override them (each has its own inventory field). */
const MANAGED_FLAGS: Record<string, string> = {
  name: 'member names are etcd-1..etcd-N',
  'data-dir': 'the data lives in the member\'s named volume',
  'listen-client-urls': 'set from cluster.clientPort',
  'advertise-client-urls': 'set from cluster.clientPort',
  'listen-peer-urls': 'set from cluster.peerPort',
  'initial-advertise-peer-urls': 'set from cluster.peerPort',
  'initial-cluster': 'made from the members',
  'initial-cluster-state': 'set by up and restart',
  'initial-cluster-token': 'use cluster.token',
  'heartbeat-interval': 'use cluster.heartbeat',
  'election-timeout': 'use cluster.electionTimeout',
  'quota-backend-bytes': 'use cluster.quotaBackendBytes',
  'snapshot-count': 'use cluster.snapshotCount',
  'cert-file': 'use cluster.tls: true',
  'key-file': 'use cluster.tls: true',
  'trusted-ca-file': 'use cluster.tls: true',
  'client-cert-auth': 'use cluster.tls: true',
  'peer-cert-file': 'use cluster.tls: true',
  'peer-key-file': 'use cluster.tls: true',
  'peer-trusted-ca-file': 'use cluster.tls: true',
  'peer-client-cert-auth': 'use cluster.tls: true',
};

export interface DockerClusterConfig {
  /** Inventory file, for messages. */
  source: string;
  cluster: string;
  image: string;
  /** Members when neither the command line nor existing containers say otherwise. */
  defaultMembers: number;
  /** Ports inside the containers (and on the cluster network). */
  clientPort: number;
  peerPort: number;
  /** First host port; member i publishes base+2i (client) and base+2i+1 (peer). */
  basePort: number;
  /** cluster.basePort was given: the ports are fixed by hand, and a taken one is an error instead of a move. */
  portsFixed: boolean;
  heartbeatMs: number;
  electionTimeoutMs: number;
  quotaBackendBytes?: number;
  snapshotCount?: number;
  tls: boolean;
  extraFlags: Record<string, string>;
  /** --initial-cluster-token; generated per cluster when absent. */
  token?: string;
  network: string;
  /** docker.network named an existing network the user owns: never created or removed by etcdlab. */
  networkGiven: boolean;
  cpus?: number;
  memory?: string;
  memoryBytes?: number;
  /** Docker Engine socket (docker.socket); undefined = DOCKER_HOST or /var/run/docker.sock. */
  socket?: string;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `512m` -> bytes (binary units, as docker run --memory). */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

export function dockerConfig(inv: Inventory): DockerClusterConfig {
  const file = inv.source;
  const c = inv.cluster;
  const problems: Problem[] = [];
  let image = DEFAULT_IMAGE;
  if (c.etcd !== undefined) {
    if (c.etcd.kind === 'image') image = c.etcd.image;
    else problems.push({ file, field: 'cluster.etcd.kind', message: `the docker provider runs images, not etcd of kind ${c.etcd.kind}`, fix: `use etcd: { kind: image, image: ${DEFAULT_IMAGE} } and build it with \`etcdlab image build\`` });
  }
  const extraFlags: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.extraFlags ?? {})) {
    const why = MANAGED_FLAGS[name];
    if (why) problems.push({ file, field: `cluster.extraFlags.${name}`, message: `etcdlab sets --${name} itself (${why})`, fix: `remove ${name} from extraFlags` });
    else extraFlags[name] = String(value);
  }
  const memoryBytes = inv.docker?.memory === undefined ? undefined : parseMemory(inv.docker.memory);
  if (memoryBytes !== undefined && memoryBytes < 64 * 1024 ** 2) {
    problems.push({ file, field: 'docker.memory', message: `${inv.docker?.memory} is too little for an etcd member`, fix: 'give each member at least 64m (etcd itself suggests 2g and more for real loads)' });
  }
  if (problems.length > 0) throw new InputError(ErrorCodes.inventoryInvalid, `${file} has ${problems.length} problem(s) for the docker provider`, problems);
  return {
    source: file,
    cluster: c.name,
    image,
    defaultMembers: c.members ?? DEFAULT_MEMBERS,
    clientPort: c.clientPort,
    peerPort: c.peerPort,
    basePort: c.basePort ?? DEFAULT_BASE_PORT,
    portsFixed: c.basePort !== undefined,
    heartbeatMs: c.heartbeat,
    electionTimeoutMs: c.electionTimeout,
    ...(c.quotaBackendBytes !== undefined ? { quotaBackendBytes: c.quotaBackendBytes } : {}),
    ...(c.snapshotCount !== undefined ? { snapshotCount: c.snapshotCount } : {}),
    tls: c.tls,
    extraFlags,
    ...(c.token !== undefined ? { token: c.token } : {}),
    network: inv.docker?.network ?? `${c.name}-net`,
    networkGiven: inv.docker?.network !== undefined,
    ...(inv.docker?.cpus !== undefined ? { cpus: inv.docker.cpus } : {}),
    ...(inv.docker?.memory !== undefined ? { memory: inv.docker.memory } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(inv.docker?.socket !== undefined ? { socket: inv.docker.socket } : {}),
  };
}

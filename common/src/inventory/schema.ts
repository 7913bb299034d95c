import { z } from 'zod';
import { parseDurationMs } from '../duration.js';
import { type Checked, downloadUrl, flagValue, hostAddress, imageRef, localPath, remoteDir, safeName, userName } from './grammar.js';

/** A string that must pass one of the grammar's checks; it becomes the value's canonical spelling. */
const checked = (check: (raw: string) => Checked) =>
  z.string().transform((v, ctx) => {
    const r = check(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message, params: { fix: r.fix } });
    return z.NEVER;
  });
const address = checked(hostAddress);
const user = checked(userName);
const file = checked(localPath);
/** A tarball: a file on this machine or an http(s) URL. */
const tarball = checked((v) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? downloadUrl(v) : localPath(v)));

const port = z.number().int().min(1).max(65535);
const ms = z.union([z.string(), z.number()]).transform((v, ctx) => {
  // Bare numbers are milliseconds here, as etcd's own --heartbeat-interval/--election-timeout are.
  const out = typeof v === 'number' ? v : parseDurationMs(v);
  if (out === undefined || !Number.isInteger(out) || out <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration; write e.g. 100ms, 1s or a number of milliseconds` });
    return z.NEVER;
  }
  return out;
});

export const HOST_ROLES = ['etcd', 'agent', 'monitor'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/** SSH settings; every field may be set once for all hosts and overridden per host. */
export const sshSchema = z.strictObject({
  user: user.optional(),
  port: port.optional(),
  /** Private key file; ~ is expanded. */
  identityFile: file.optional(),
  /** Use the running ssh-agent (SSH_AUTH_SOCK). */
  agent: z.boolean().optional(),
  /** Reach the host through this one (like ssh -J). */
  jumpHost: z
    .strictObject({ address, port: port.optional(), user: user.optional(), identityFile: file.optional() })
    .optional(),
  /** Extra known_hosts file checked before the user's own. */
  knownHostsFile: file.optional(),
  connectTimeout: ms.optional(),
});

export const hostSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, dot, dash, underscore'),
  address,
  roles: z.array(z.enum(HOST_ROLES)).min(1).max(3),
  /** Where etcdlab keeps its files on the host (binaries, data, logs). */
  workDir: checked(remoteDir).optional(),
  ssh: sshSchema.optional(),
  labels: z.record(checked((v) => safeName(v)), checked((v) => flagValue(v))).optional(),
});

export const etcdSourceSchema = z.discriminatedUnion('kind', [
  /** A binary on the coordinator's machine, uploaded to every etcd host. */
  z.strictObject({ kind: z.literal('local'), path: file, etcdctlPath: file.optional() }),
  /** An official release tarball (etcd-vX.Y.Z-linux-amd64.tar.gz), on this machine or at a URL, checked against sha256. */
  z.strictObject({ kind: z.literal('release'), tarball, sha256: z.string().regex(/^[a-f0-9]{64}$/, '64 lower-case hex digits') }),
  /** The etcd already installed on each host. */
  z.strictObject({ kind: z.literal('host'), path: checked((v) => (v.startsWith('/') && /^[A-Za-z0-9._/-]+$/.test(v) ? { ok: true, value: v } : { ok: false, message: `${JSON.stringify(v)} is not an absolute path of letters, digits and ._-/`, fix: 'e.g. /usr/bin/etcd' })).default('/usr/bin/etcd') }),
  /** An image (docker provider). */
  z.strictObject({ kind: z.literal('image'), image: checked(imageRef) }),
]);

export const clusterSchema = z.strictObject({
  /** Cluster name: names containers, units and the initial cluster token. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes').default('etcdlab'),
  /** Members (docker and local providers; ssh uses the hosts with role etcd). */
  members: z.number().int().min(1).max(7).optional(),
  etcd: etcdSourceSchema.optional(),
  clientPort: port.default(2379),
  peerPort: port.default(2380),
  /** Docker: host ports are basePort+2i (client) and basePort+2i+1 (peer), as the first seed did. */
  basePort: port.optional(),
  token: checked((v) => safeName(v, 64)).optional(),
  heartbeat: ms.pipe(z.number().max(10_000)).default(100),
  electionTimeout: ms.pipe(z.number().max(60_000)).default(1000),
  /** etcd's own limit for the backend is 8 GiB recommended, 100 GiB hard. */
  quotaBackendBytes: z.number().int().min(0).max(100 * 1024 ** 3).optional(),
  snapshotCount: z.number().int().min(1).max(100_000_000).optional(),
  tls: z.boolean().default(false),
  /** Extra etcd flags, name without dashes -> value. */
  extraFlags: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/), z.union([checked(flagValue), z.number().finite(), z.boolean()])).optional(),
});

export const dockerSchema = z.strictObject({
  /** Docker Engine socket; default DOCKER_HOST or /var/run/docker.sock. */
  socket: file.optional(),
  network: checked((v) => safeName(v)).optional(),
  /** Per member. */
  cpus: z.number().positive().max(1024).optional(),
  memory: z.string().regex(/^\d+(\.\d+)?[kmgKMG]?$/, 'e.g. 512m or 2g').optional(),
  /** Run agents as containers on the cluster's network instead of local processes. */
  agentsInContainers: z.boolean().optional(),
});

export const inventorySchema = z.strictObject({
  name: checked((v) => safeName(v)).optional(),
  provider: z.enum(['ssh', 'docker', 'local']).default('ssh'),
  coordinator: z
    .strictObject({
      /** The address agents dial to reach the coordinator. */
      address,
      port: port.default(7380),
    })
    .optional(),
  ssh: sshSchema.optional(),
  hosts: z.array(hostSchema).max(256).default([]),
  cluster: clusterSchema.default({ name: 'etcdlab', clientPort: 2379, peerPort: 2380, heartbeat: 100, electionTimeout: 1000, tls: false }),
  docker: dockerSchema.optional(),
  /** Say so on purpose to break a placement rule (several members on a host, agents beside members). */
  allowColocation: z.boolean().default(false),
});

export type InventoryInput = z.input<typeof inventorySchema>;
export type ParsedInventory = z.output<typeof inventorySchema>;
export type InventoryHost = ParsedInventory['hosts'][number];
export type SshSettings = z.output<typeof sshSchema>;
export type EtcdSource = z.output<typeof etcdSourceSchema>;

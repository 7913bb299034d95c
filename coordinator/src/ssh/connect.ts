import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { ResolvedHost } from '@etcdlab/common';
import type { Logger } from 'pino';
import ssh2 from 'ssh2';
import { connectError, describeHost, type HostLabel, hostKeyError } from './errors.js';
import { type Identity, resolveIdentity } from './identity.js';
import { blobKeyType, decideHostKey, fingerprint, hostKeyAlgorithms, type KnownHostEntry, knownKeyTypes } from './known-hosts.js';
import { defaultKnownHostsFiles, expandHome, loadKnownHosts, recordHostKey } from './known-hosts-store.js';
import { type JumpLease, type JumpPool, ownJump } from './jump-pool.js';
import { SshRemoteHost } from './remote-host.js';
import type { ConnectOptions, HostKeyInfo, RemoteHost } from './types.js';

export interface ConnectHostOptions extends ConnectOptions {
  logger: Logger;
  /** Shares jump host connections between the hosts of one command; without it each host opens its own. */
  jumpPool?: JumpPool;
  /** The inventory file, named in identity errors. */
  inventoryFile?: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
/** OpenSSH's default MaxSessions is 10; stay below it so a stray channel never hits the limit. */
export const DEFAULT_MAX_SESSIONS = 8;

/**
 * Connects to one inventory host: host key checked against known_hosts (refused when unknown unless
 * acceptNew, refused on mismatch or revocation), identity file and/or ssh-agent, optional jump host (its
 * key checked the same way), connect timeout and keepalive. Resolves once authenticated.
 */
export async function connectHost(host: ResolvedHost, opts: ConnectHostOptions): Promise<RemoteHost> {
  const label: HostLabel = { name: host.name, address: host.address, port: host.ssh.port, user: host.ssh.user };
  const log = opts.logger.child({ host: host.name });
  const files = knownHostsFilesFor(host, opts.knownHostsFiles, opts.inventoryFile);
  const recordFile = files[0] as string;
  const known = await loadKnownHosts(files);
  for (const s of known.skipped) log.debug(s, 'known_hosts line skipped');
  const timeoutMs = opts.connectTimeoutMs ?? host.ssh.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const local = (p: string | undefined) => (p === undefined ? undefined : localPath(p, opts.inventoryFile));
  const identity = await resolveIdentity({ identityFile: local(host.ssh.identityFile), agent: host.ssh.agent, field: `hosts[${host.name}].ssh`, ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}) });
  const common = { label, known: known.entries, files, recordFile, acceptNew: opts.acceptNew, timeoutMs, keepaliveMs: opts.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS, log };

  let jump: JumpLease | undefined;
  let sock: Duplex | undefined;
  const j = host.ssh.jumpHost;
  if (j) {
    const jumpIdentity = j.identityFile ? await resolveIdentity({ identityFile: local(j.identityFile), field: `hosts[${host.name}].ssh.jumpHost.identityFile`, ...(opts.inventoryFile ? { inventoryFile: opts.inventoryFile } : {}) }) : identity;
    const jumpUser = j.user ?? host.ssh.user;
    const openJump = () => openClient({ ...common, role: 'jump host', keyHost: { address: j.address, port: j.port ?? 22 }, user: jumpUser, identity: jumpIdentity });
    // Same bastion, user, identity and known_hosts files: one connection serves every host behind it.
    const poolKey = JSON.stringify([j.address.toLowerCase(), j.port ?? 22, jumpUser, jumpIdentity.describe, files, Boolean(opts.acceptNew)]);
    jump = opts.jumpPool ? await opts.jumpPool.acquire(poolKey, openJump) : ownJump(await openJump());
    const jumpClient = jump.client;
    try {
      sock = await new Promise<Duplex>((resolve, reject) => jumpClient.forwardOut('127.0.0.1', 0, host.address, host.ssh.port, (err, stream) => (err ? reject(err) : resolve(stream))));
    } catch (err) {
      await jump.release();
      throw connectError(label, err as Error, timeoutMs, `${j.address}:${j.port ?? 22}`);
    }
  }
  let main: { client: ssh2.Client; key: HostKeyInfo };
  try {
    main = await openClient({ ...common, role: 'host', keyHost: { address: host.address, port: host.ssh.port }, user: host.ssh.user, identity, ...(sock ? { sock } : {}) });
  } catch (err) {
    await jump?.release();
    throw err;
  }
  log.debug({ identity: identity.describe, hostKey: main.key.fingerprint, via: j?.address }, 'ssh connected');
  return new SshRemoteHost({
    host,
    client: main.client,
    ...(jump ? { jump } : {}),
    hostKey: jump ? { ...main.key, jump: jump.key } : main.key,
    maxSessions: Math.min(Math.max(1, opts.maxSessions ?? DEFAULT_MAX_SESSIONS), 10),
    logger: log,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
}

/** A path from the inventory: ~ expanded, relative ones from the inventory file's folder (else the working directory). */
export function localPath(p: string, inventoryFile?: string): string {
  const expanded = expandHome(p);
  return path.isAbsolute(expanded) ? expanded : path.resolve(inventoryFile ? path.dirname(path.resolve(inventoryFile)) : process.cwd(), expanded);
}

/** The files checked for a host: the caller's first (where new keys are recorded), then the host's own, then the rest. */
export function knownHostsFilesFor(host: ResolvedHost, files: readonly string[], inventoryFile?: string): string[] {
  const base = files.length > 0 ? [...files] : defaultKnownHostsFiles();
  const extra = host.ssh.knownHostsFile ? [localPath(host.ssh.knownHostsFile, inventoryFile)] : [];
  return [...new Set([base[0] as string, ...extra, ...base.slice(1)])];
}

interface OpenClient {
  label: HostLabel;
  role: 'host' | 'jump host';
  keyHost: { address: string; port: number };
  user: string;
  identity: Identity;
  sock?: Duplex;
  known: KnownHostEntry[];
  files: string[];
  recordFile: string;
  acceptNew: boolean;
  timeoutMs: number;
  keepaliveMs: number;
  log: Logger;
}

/** One authenticated ssh2 client whose host key passed verification (ssh2 alone would accept ANY key). */
function openClient(o: OpenClient): Promise<{ client: ssh2.Client; key: HostKeyInfo }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let verified: HostKeyInfo | undefined;
    let refused: Error | undefined;
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      if (err) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        reject(err);
      } else resolve({ client, key: verified as HostKeyInfo });
    };
    // ssh2's readyTimeout covers the handshake; this guard also bounds a jump stream that never answers.
    const who: HostLabel = o.role === 'host' ? o.label : { name: `jump host of ${o.label.name}`, address: o.keyHost.address, port: o.keyHost.port, user: o.user };
    const guard = setTimeout(() => finish(connectError(who, Object.assign(new Error('timed out'), { level: 'client-timeout' }), o.timeoutMs)), o.timeoutMs + 2000);

    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      const type = blobKeyType(key) ?? 'unknown';
      const presented = { type, fingerprint: fingerprint(key) };
      const decision = decideHostKey(o.known, o.keyHost.address, o.keyHost.port, key);
      if (decision.status === 'known') {
        verified = { type, fingerprint: presented.fingerprint, status: 'known', file: decision.entry.file, line: decision.entry.line };
        return verify(true);
      }
      if (decision.status === 'unknown' && o.acceptNew) {
        recordHostKey(o.recordFile, o.keyHost.address, o.keyHost.port, key).then(
          (line) => {
            verified = { type, fingerprint: presented.fingerprint, status: 'recorded', file: o.recordFile, line };
            o.log.info({ role: o.role, hostKey: presented.fingerprint, file: o.recordFile }, 'new host key recorded (--accept-new)');
            verify(true);
          },
          (err: Error) => {
            refused = connectError(who, new Error(`cannot record the host key in ${o.recordFile}: ${err.message}`), o.timeoutMs);
            verify(false);
          },
        );
        return;
      }
      refused = hostKeyError({ label: o.label, keyHost: o.keyHost, decision, presented, files: o.files, recordFile: o.recordFile, role: o.role });
      verify(false);
    };

    client.on('ready', () => finish(verified ? undefined : new Error(`${describeHost(o.label)}: connected without a verified host key (bug)`)));
    client.on('error', (err: Error & { level?: string }) => finish(refused ?? connectError(who, err, o.timeoutMs)));
    client.on('close', () => finish(refused ?? connectError(who, new Error('connection closed during the handshake'), o.timeoutMs)));
    try {
      client.connect({
        host: o.keyHost.address,
        port: o.keyHost.port,
        username: o.user,
        ...(o.sock ? { sock: o.sock } : {}),
        ...(o.identity.privateKey ? { privateKey: o.identity.privateKey } : {}),
        ...(o.identity.agent ? { agent: o.identity.agent } : {}),
        hostVerifier,
        algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(o.known, o.keyHost.address, o.keyHost.port)) as ssh2.ServerHostKeyAlgorithm[] },
        readyTimeout: o.timeoutMs,
        keepaliveInterval: o.keepaliveMs,
        keepaliveCountMax: 4,
      });
    } catch (err) {
      finish(connectError(who, err as Error, o.timeoutMs));
    }
  });
}

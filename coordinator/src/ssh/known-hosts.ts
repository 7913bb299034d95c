import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * known_hosts as OpenSSH writes and reads it (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"), pure: lines in,
 * decisions out. A line is `[@marker] hostpatterns keytype base64-key [comment]`:
 * - host patterns: a comma list of names with `*`/`?` wildcards and `!negation`, `[host]:port` for a
 *   port other than 22; or one hashed entry `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`;
 * - `@revoked`: this key is refused for the matching hosts; `@cert-authority`: a CA for host
 *   certificates, which etcdlab does not use, so those lines are skipped (never trusted as host keys).
 * Keys are compared by their whole blob (type included), never by a fingerprint.
 */
export type HostPatterns = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };

export interface KnownHostEntry {
  file: string;
  /** 1-based line number. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  hosts: HostPatterns;
  /** The key type written in the line (e.g. ssh-ed25519). */
  keyType: string;
  /** The key blob (base64-decoded). */
  key: Buffer;
}

export interface KnownHostsParse {
  entries: KnownHostEntry[];
  /** Lines that could not be read; OpenSSH ignores them too, we report them in debug logs. */
  skipped: { line: number; reason: string }[];
}

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

export function parseKnownHosts(text: string, file: string): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const skipped: KnownHostsParse['skipped'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return void skipped.push({ line, reason: `unknown marker ${m}` });
    }
    const [hostField, keyType, b64] = fields;
    if (!hostField || !keyType || !b64) return void skipped.push({ line, reason: 'fewer than three fields' });
    if (!KEY_TYPES.test(keyType)) return void skipped.push({ line, reason: `unsupported key type ${keyType}` });
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return void skipped.push({ line, reason: 'key is not base64' });
    const key = Buffer.from(b64, 'base64');
    if (blobKeyType(key) !== keyType) return void skipped.push({ line, reason: `key blob is not a ${keyType} key` });
    const hosts = parseHostField(hostField);
    if (!hosts) return void skipped.push({ line, reason: 'malformed hashed host entry' });
    entries.push({ file, line, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return { entries, skipped };
}

function parseHostField(field: string): HostPatterns | undefined {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return undefined;
    const s = Buffer.from(salt, 'base64');
    const h = Buffer.from(hash, 'base64');
    return s.length === 20 && h.length === 20 ? { kind: 'hashed', salt: s, hash: h } : undefined;
  }
  return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
}

/** The name known_hosts uses for host:port (a bare host for port 22, else [host]:port). */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`);

/** OpenSSH's pattern match: * any run, ? one character, case-insensitive. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** True when the entry's host field names `name`: a negated pattern that matches wins over any other. */
export function hostMatches(hosts: HostPatterns, name: string): boolean {
  if (hosts.kind === 'hashed') {
    const mac = createHmac('sha1', hosts.salt).update(name).digest();
    return timingSafeEqual(mac, hosts.hash);
  }
  let matched = false;
  for (const p of hosts.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** A hashed host field for `name` with the given 20-byte salt (what `ssh-keygen -H` writes). */
export function hashHostName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** The type string at the start of an SSH public key blob (uint32 length + bytes), if well formed. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** SHA256:base64 (no padding), as `ssh-keygen -lf` prints it. */
export const fingerprint = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export type HostKeyDecision =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is known with other key(s): same type but another key, or only other types. */
  | { status: 'mismatch'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

/**
 * The decision OpenSSH makes (check_key_in_hostkeys): a revoked key is refused first; then any line for
 * this host with the same blob accepts; otherwise any line for this host means the key changed; otherwise
 * the host is new.
 */
export function decideHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyDecision {
  const name = knownHostsName(host, port);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.key.equals(key));
  if (known) return { status: 'known', entry: known };
  if (plain.length > 0) return { status: 'mismatch', entries: plain };
  return { status: 'unknown' };
}

/** The key types already known for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return [...new Set(entries.filter((e) => e.marker === undefined && hostMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** A known_hosts line for a newly accepted key (plain names: this file is the project's and readable). */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  const type = blobKeyType(key);
  if (!type) throw new RangeError('not an SSH public key blob');
  return `${knownHostsName(host, port)} ${type} ${key.toString('base64')}`;
}

/** ssh2 host key algorithm names, with the ones matching already known key types first (like OpenSSH). */
export function hostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const forType = (t: string): string[] => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : all.includes(t) ? [t] : []);
  const first = knownTypes.flatMap(forType);
  return [...new Set([...first, ...all])];
}

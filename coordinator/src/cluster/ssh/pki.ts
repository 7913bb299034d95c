/**
 * Certificates for a TLS cluster over SSH, made with the openssl CLI on this machine (node:crypto cannot
 * issue X.509): a CA, one certificate per member (server and peer: serverAuth + clientAuth, for the
 * host's address) and a client certificate for etcdlab and its agents. Kept in the project state
 * (.etcdlab/ssh/<cluster>/pki/, keys 0600) so status and runs can use them and a later `up` reuses them;
 * a member whose address changed gets a new certificate from the same CA. `clean` removes the folder.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { ErrorCodes, type Inventory } from '@etcdlab/common';
import { CLIENT_EXT, createCa, issueCert, memberExt } from '../../tls/openssl-ca.js';
import type { SshMember } from './members.js';
import { stateDir } from './state-dir.js';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface SshPki {
  ca: string;
  client: KeyPair;
  members: Map<string, KeyPair>;
}

/** Certificate file names are member names, which the inventory restricts to [A-Za-z0-9._-]. */
const safeName = (n: string) => n.replace(/[^A-Za-z0-9._-]/g, '_');

export const pkiDir = (inv: Pick<Inventory, 'cluster'>, dir: string = stateDir()): string => path.join(dir, 'ssh', inv.cluster.name, 'pki');

/** Subject alternative names of a member's certificate: its address, and loopback for etcdctl on the host. Pure. */
export function memberSans(m: Pick<SshMember, 'name' | 'host'>): string {
  const a = m.host.address;
  return [isIP(a) ? `IP:${a}` : `DNS:${a}`, `DNS:${m.name}`, 'DNS:localhost', 'IP:127.0.0.1'].join(',');
}

const read = (f: string) => readFile(f, 'utf8').catch(() => undefined);

/** Issues name.crt/name.key in dir, signed by the CA there (a serial unique enough for re-issues). */
const issue = (dir: string, name: string, subject: string, ext: string): Promise<void> =>
  issueCert(dir, name, subject, ext, { serial: Date.now() * 1000 + Math.floor(Math.random() * 1000), code: ErrorCodes.tlsSetupFailed });

/** The cluster's PKI, made or completed as needed (idempotent: existing certificates with the right names stay). */
export async function ensurePki(inv: Inventory, members: readonly SshMember[], dir: string = pkiDir(inv)): Promise<SshPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await read(path.join(dir, 'ca.crt'))) || !(await read(path.join(dir, 'ca.key')))) {
    await createCa(dir, `etcdlab ${inv.cluster.name} CA`, ErrorCodes.tlsSetupFailed);
    await rm(path.join(dir, 'client.crt'), { force: true });
    for (const m of members) await rm(path.join(dir, `member-${safeName(m.name)}.san`), { force: true });
  }
  if (!(await read(path.join(dir, 'client.crt'))))
    await issue(dir, 'client', '/CN=etcdlab-client', CLIENT_EXT);
  for (const m of members) {
    const base = `member-${safeName(m.name)}`;
    const sans = memberSans(m);
    if ((await read(path.join(dir, `${base}.san`))) === sans && (await read(path.join(dir, `${base}.crt`)))) continue;
    await issue(dir, base, `/CN=${m.name}`, memberExt(sans));
    await writeFile(path.join(dir, `${base}.san`), sans);
  }
  return (await loadPki(inv, members, dir)) as SshPki;
}

/** The PKI as stored, without making anything; undefined when it was never made. */
export async function loadPki(inv: Inventory, members: readonly Pick<SshMember, 'name'>[], dir: string = pkiDir(inv)): Promise<SshPki | undefined> {
  const [ca, cert, key] = await Promise.all(['ca.crt', 'client.crt', 'client.key'].map((f) => read(path.join(dir, f))));
  if (!ca || !cert || !key) return undefined;
  const out: SshPki = { ca, client: { cert, key }, members: new Map() };
  for (const m of members) {
    const base = `member-${safeName(m.name)}`;
    const [c, k] = await Promise.all([read(path.join(dir, `${base}.crt`)), read(path.join(dir, `${base}.key`))]);
    if (c && k) out.members.set(m.name, { cert: c, key: k });
  }
  return out;
}

export const removePki = (inv: Inventory, dir: string = pkiDir(inv)): Promise<void> => rm(path.dirname(dir), { recursive: true, force: true });

/**
 * Certificates for a TLS cluster, made with the openssl CLI (node:crypto cannot issue X.509 certificates):
 * a CA, one certificate per member (server and peer, for its container name, 127.0.0.1 and localhost) and a
 * client certificate for etcdlab and etcdctl. The CA key is thrown away: a resize or restart makes a new set.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@etcdlab/common';
import { CLIENT_EXT, createCa, issueCert, memberExt } from '../../tls/openssl-ca.js';
import type { MemberSpec } from './members.js';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: string;
  client: KeyPair;
  members: Map<string, KeyPair>;
}

async function issue(dir: string, name: string, subject: string, ext: string, serial: number): Promise<KeyPair> {
  await issueCert(dir, name, subject, ext, { serial, code: ErrorCodes.dockerFailed });
  return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') };
}

/** Subject alternative names of a member certificate (pure). */
export function memberSans(m: Pick<MemberSpec, 'container' | 'name'>): string {
  return `DNS:${m.container},DNS:${m.name},DNS:localhost,IP:127.0.0.1`;
}

export async function makeClusterPki(cluster: string, members: MemberSpec[]): Promise<ClusterPki> {
  const dir = await mkdtemp(join(tmpdir(), 'etcdlab-pki-'));
  try {
    await createCa(dir, `etcdlab ${cluster} CA`, ErrorCodes.dockerFailed);
    const base = Date.now() % 1_000_000_000;
    const pairs = await Promise.all(members.map((m, i) => issue(dir, m.name, `/CN=${m.container}`, memberExt(memberSans(m)), base + i + 1)));
    const client = await issue(dir, 'client', '/CN=etcdlab-client', CLIENT_EXT, base);
    return { ca: await readFile(join(dir, 'ca.crt'), 'utf8'), client, members: new Map(members.map((m, i) => [m.name, pairs[i] as KeyPair])) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The files one member gets in TLS_DIR (relative names, contents, modes). */
export function memberTlsFiles(pki: ClusterPki, member: string): { name: string; data: string; mode: number }[] {
  const own = pki.members.get(member);
  if (!own) throw new Error(`no certificate for ${member}`);
  return [
    { name: 'ca.crt', data: pki.ca, mode: 0o644 },
    { name: 'member.crt', data: own.cert, mode: 0o644 },
    { name: 'member.key', data: own.key, mode: 0o600 },
    { name: 'client.crt', data: pki.client.cert, mode: 0o644 },
    { name: 'client.key', data: pki.client.key, mode: 0o600 },
  ];
}

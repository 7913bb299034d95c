/**
 * Certificates for a TLS cluster, made with the openssl CLI (node:crypto cannot issue X.509 certificates):
 * a CA, one certificate per member (server and peer, for its container name, 127.0.0.1 and localhost) and a
 * client certificate for etcdlab and etcdctl. The CA key is thrown away: a resize or restart makes a new set.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError, ErrorCodes } from '@etcdlab/common';
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

const OPENSSL = process.env.OPENSSL_BIN || 'openssl';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '825';

function openssl(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new ClusterError(ErrorCodes.dockerFailed, missing ? 'openssl is not installed; it makes the certificates of a TLS cluster' : `openssl ${args[0]} failed: ${stderr.trim().slice(0, 300)}`, {
        problems: [{ field: 'cluster.tls', message: missing ? 'openssl not found on PATH' : 'certificate generation failed', fix: missing ? 'apt-get install openssl (or set OPENSSL_BIN)' : 'report it with the message above' }],
      }));
    });
  });
}

async function issue(dir: string, name: string, subject: string, ext: string, serial: number): Promise<KeyPair> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial), '-days', DAYS, '-sha256', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') };
}

/** Subject alternative names of a member certificate (pure). */
export function memberSans(m: Pick<MemberSpec, 'container' | 'name'>): string {
  return `DNS:${m.container},DNS:${m.name},DNS:localhost,IP:127.0.0.1`;
}

export async function makeClusterPki(cluster: string, members: MemberSpec[]): Promise<ClusterPki> {
  const dir = await mkdtemp(join(tmpdir(), 'etcdlab-pki-'));
  try {
    await openssl(dir, ['req', '-x509', '-new', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', DAYS, '-sha256', '-subj', `/CN=etcdlab ${cluster} CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const base = Date.now() % 1_000_000_000;
    // Members talk to each other as clients too (peer TLS, the grpc gateway): clientAuth as well as serverAuth.
    const pairs = await Promise.all(members.map((m, i) => issue(dir, m.name, `/CN=${m.container}`,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${memberSans(m)}\n`, base + i + 1)));
    const client = await issue(dir, 'client', '/CN=etcdlab-client', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', base);
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

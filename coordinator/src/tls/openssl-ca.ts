/**
 * The openssl steps both TLS-capable providers share (node:crypto cannot issue X.509 certificates): a
 * CA, and certificates signed by it for members (server and peer: serverAuth + clientAuth) and clients.
 * EC P-256 keys, written with mode 0600. Which certificates to make and where to keep them is each
 * provider's own policy (providers/docker/pki.ts, providers/ssh/pki.ts).
 */
import { execFile } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterError } from '@etcdlab/common';

const OPENSSL = process.env.OPENSSL_BIN || 'openssl';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '825';

export const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
// Members talk to each other as clients too (peer TLS, the grpc gateway): clientAuth as well as serverAuth.
export const memberExt = (sans: string): string =>
  `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans}\n`;

/** Runs openssl in `cwd`; failures become a ClusterError with `code` that says how to get openssl. */
export function openssl(cwd: string, args: string[], code: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(OPENSSL, args, { cwd, timeout: 30_000 }, (err, _o, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new ClusterError(code, missing ? 'openssl is not installed; it makes the certificates of a TLS cluster' : `openssl ${args[0]} failed: ${String(stderr).trim().slice(0, 300)}`, {
          problems: [{ field: 'cluster.tls', message: missing ? 'openssl not found on PATH' : 'certificate generation failed', fix: missing ? 'apt-get install openssl (or set OPENSSL_BIN), or set tls: false' : 'report it with the message above' }],
        }),
      );
    }),
  );
}

/** ca.crt and ca.key (0600) in dir. */
export async function createCa(dir: string, commonName: string, code: string): Promise<void> {
  await openssl(dir, ['req', '-x509', '-new', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', DAYS, '-sha256', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], code);
  await chmod(join(dir, 'ca.key'), 0o600);
}

/** name.crt and name.key (0600) in dir, signed by the CA there, with the given extensions. */
export async function issueCert(dir: string, name: string, subject: string, ext: string, o: { serial: number; code: string }): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], o.code);
  await chmod(join(dir, `${name}.key`), 0o600);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(o.serial), '-days', DAYS, '-sha256', '-out', `${name}.crt`, '-extfile', `${name}.ext`], o.code);
  await rm(join(dir, `${name}.csr`), { force: true });
}

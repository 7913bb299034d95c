/**
 * Throwaway PKI for TLS integration tests, made with the real openssl CLI: a CA, a server certificate for
 * 127.0.0.1 (subjectAltName IP) and a client certificate. EC P-256 keys keep generation fast.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env.OPENSSL_BIN || '/usr/bin/openssl';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** PEM contents, as the client takes them. */
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  remove(): Promise<void>;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run(OPENSSL, args, { cwd, timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${(err as Error).message}\n${stderr}`);
  }
}

/** Signs a new key's CSR with the CA, adding the X.509v3 extensions in `ext`. */
async function issue(dir: string, name: string, subject: string, ext: string, serial: number): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial),
    '-days', '2', '-sha256', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
  ]);
}

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'etcdlab-pki-'));
  try {
    await openssl(dir, [
      'req', '-x509', '-new', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-sha256',
      '-subj', '/CN=etcdlab test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    // etcd also presents its server certificate as a client (grpc-gateway), hence clientAuth too.
    await issue(dir, 'server', '/CN=127.0.0.1',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
        'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n', 1001);
    await issue(dir, 'client', '/CN=etcdlab-test-client',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', 1002);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const f = (n: string): string => join(dir, n);
  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    ca: await readFile(f('ca.crt')),
    clientCert: await readFile(f('client.crt')),
    clientKey: await readFile(f('client.key')),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

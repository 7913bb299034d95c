import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_EXT, createCa, issueCert, memberExt } from '../src/tls/openssl-ca.js';

describe('openssl CA shared by the docker and ssh providers (real openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdlab-ca-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issues member and client certificates that verify against the CA, keys 0600', async () => {
    await createCa(dir, 'etcdlab test CA', 'E_TEST');
    await issueCert(dir, 'member', '/CN=etcd-1', memberExt('DNS:etcd-1,IP:127.0.0.1'), { serial: 7, code: 'E_TEST' });
    await issueCert(dir, 'client', '/CN=etcdlab-client', CLIENT_EXT, { serial: 8, code: 'E_TEST' });
    for (const name of ['member', 'client']) {
      expect(execFileSync('openssl', ['verify', '-CAfile', 'ca.crt', `${name}.crt`], { cwd: dir, encoding: 'utf8' })).toContain('OK');
      expect(statSync(join(dir, `${name}.key`)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const text = execFileSync('openssl', ['x509', '-in', 'member.crt', '-noout', '-text'], { cwd: dir, encoding: 'utf8' });
    expect(text).toContain('IP Address:127.0.0.1');
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
  });

  it('an openssl failure is a coded error naming the step and the field', async () => {
    const noCa = mkdtempSync(join(tmpdir(), 'etcdlab-noca-'));
    try {
      const err = await issueCert(noCa, 'x', '/CN=x', CLIENT_EXT, { serial: 1, code: 'E_TEST' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_TEST', message: expect.stringContaining('openssl x509 failed') });
      expect((err as { problems: { field: string }[] }).problems[0]!.field).toBe('cluster.tls');
    } finally {
      rmSync(noCa, { recursive: true, force: true });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, EtcdRequestError } from '@etcdlab/agent/etcd';
import { EtcdMember } from './helpers/etcd-member.js';
import { createTestPki, type TestPki } from './helpers/tls-certs.js';

const b = (s: string): Buffer => Buffer.from(s);
const DEADLINE = 5_000;

async function failure(p: Promise<unknown>): Promise<EtcdRequestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EtcdRequestError);
  return err as EtcdRequestError;
}

describe('EtcdClient over TLS with client certificate auth', () => {
  let pki: TestPki;
  let member: EtcdMember;

  beforeAll(async () => {
    pki = await createTestPki();
    member = await EtcdMember.start({
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, trustedCaFile: pki.caFile, clientCertAuth: true },
    });
  });

  afterAll(async () => {
    await member?.destroy();
    await pki?.remove();
  });

  it('serves https client URLs', () => {
    expect(member.clientUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('put/get/status succeed with ca + client cert + key', async () => {
    const client = new EtcdClient({
      endpoints: [member.clientUrl],
      connections: 2,
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    });
    try {
      await client.put(b('tls/key'), b('secret'), DEADLINE);
      expect((await client.get(b('tls/key'), { serializable: false }, DEADLINE, 1))?.toString()).toBe('secret');
      expect(await client.countPrefix(b('tls/'), DEADLINE)).toBe(1);
      const s = await client.status(member.clientUrl, DEADLINE);
      expect(s.version).toMatch(/^3\.4\./);
      expect(s.leader).toBe(s.memberId);
    } finally {
      await client.close();
    }
  });

  it('without a client certificate the call fails with UNAVAILABLE and says why', async () => {
    const client = new EtcdClient({ endpoints: [member.clientUrl], connections: 1, tls: { ca: pki.ca } });
    try {
      const err = await failure(client.put(b('tls/nocert'), b('x'), DEADLINE));
      expect(err.codeName).toBe('UNAVAILABLE');
      expect(err.message).toMatch(/certificate/i); // e.g. 'sslv3 alert bad certificate ... SSL alert number 42'
      expect(err.endpoint).toBe(member.clientUrl);
    } finally {
      await client.close();
    }
  });

  it('without our CA the server certificate is rejected (UNAVAILABLE)', async () => {
    const client = new EtcdClient({
      endpoints: [member.clientUrl],
      connections: 1,
      tls: { cert: pki.clientCert, key: pki.clientKey },
    });
    try {
      const err = await failure(client.get(b('tls/key'), { serializable: true }, DEADLINE));
      expect(err.codeName).toBe('UNAVAILABLE');
      expect(err.message).toMatch(/certificate/i);
    } finally {
      await client.close();
    }
  });
});

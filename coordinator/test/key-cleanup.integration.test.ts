/**
 * A run's keys are deleted at its end on a cluster given by --endpoints, in bounded batches, and nothing
 * outside `etcdlab/<run-id>/` is touched (a sibling run id that shares its first characters included).
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { CLEANUP_BATCH, cleanRunKeys } from '../src/run/key-cleanup.js';

let member: EtcdMember;
let client: EtcdClient;
beforeAll(async () => {
  member = await EtcdMember.start();
  client = new EtcdClient({ endpoints: [member.clientUrl], connections: 2 });
});
afterAll(async () => {
  await client?.close();
  await member?.destroy();
});

const count = (prefix: string) => client.countPrefix(Buffer.from(prefix), 10_000);

describe('run key cleanup', () => {
  it('deletes every key under etcdlab/<run-id>/ in batches of 10,000, and nothing else', async () => {
    const n = 2 * CLEANUP_BATCH + 537;
    for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, k) => client.put(Buffer.from(`etcdlab/run-a/k${String(i + k).padStart(6, '0')}`), Buffer.from('v'), 10_000)));
    const outside = ['etcdlab/run-a', 'etcdlab/run-ab/k1', 'etcdlab/run-b/k1', 'other/run-a/k1', 'etcdlab/run-a0'];
    for (const k of outside) await client.put(Buffer.from(k), Buffer.from('keep'), 10_000);
    expect(await count('etcdlab/run-a/')).toBe(n);
    const notes: string[] = [];
    const r = await cleanRunKeys({ endpoints: [member.clientUrl], runId: 'run-a', logger: pino({ level: 'silent' }), note: (l) => notes.push(l) });
    expect(r).toMatchObject({ prefix: 'etcdlab/run-a/', deleted: n, batches: 3 });
    expect(r.error).toBeUndefined();
    expect(await count('etcdlab/run-a/')).toBe(0);
    for (const k of outside) expect(await client.get(Buffer.from(k), { serializable: false }, 10_000), k).toEqual(Buffer.from('keep'));
    // Nothing left: a second cleanup deletes nothing and says so.
    expect(await cleanRunKeys({ endpoints: [member.clientUrl], runId: 'run-a', logger: pino({ level: 'silent' }), note: () => undefined })).toMatchObject({ deleted: 0, batches: 0 });
  }, 120_000);

  it('a cluster that does not answer is reported, not skipped', async () => {
    const r = await cleanRunKeys({ endpoints: ['http://127.0.0.1:1'], runId: 'run-x', logger: pino({ level: 'silent' }), note: () => undefined });
    expect(r.deleted).toBe(0);
    expect(r.error).toBeTruthy();
  }, 60_000);
});

/**
 * A run's keys are deleted at its end on a cluster given by --endpoints, in bounded batches, and nothing
 * outside `etcdlab/<run-id>/` is touched (a sibling run id that shares its first characters included);
 * `keys clean --compact / --defrag` give etcd's space back and report it.
 */
import { EtcdClient } from '@etcdlab/agent/etcd';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { CLEANUP_BATCH, cleanRunKeys } from '../src/run/key-cleanup.js';
import { runCli } from './helpers/cli.js';

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

  it('keys clean --compact drops the history; --defrag then shrinks the database file, and both are reported', async () => {
    const value = Buffer.alloc(64 * 1024, 'v');
    for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => client.put(Buffer.from(`etcdlab/run-c/k${i + k}`), value, 10_000)));
    await client.put(Buffer.from('other/keep'), Buffer.from('kept'), 10_000);
    const written = await client.status(member.clientUrl, 10_000);
    expect(written.dbSize).toBeGreaterThan(50 * 1024 * 1024);
    const revBefore = (await client.range({ key: Buffer.from('x'), limit: 1 }, 10_000)).header!.revision;

    const compact = await runCli(['keys', 'clean', 'run-c', '--endpoints', member.clientUrl, '--compact'], { timeoutMs: 60_000 });
    expect(compact.code, compact.stderr).toBe(0);
    expect(compact.stderr).toContain('keys: 1,000 deleted under etcdlab/run-c/');
    expect(compact.stderr).toMatch(/compacted to revision [\d,]+/);
    expect(compact.stderr).toMatch(/space: compacted in [\d.]+ s; .* \(the files shrink only with --defrag/);
    // The history before the compaction is gone: an old revision cannot be read any more.
    await expect(client.range({ key: Buffer.from('etcdlab/run-c/k1'), revision: revBefore }, 10_000)).rejects.toThrow(/compacted/);
    expect((await client.status(member.clientUrl, 10_000)).dbSizeInUse).toBeLessThan(written.dbSizeInUse / 4);

    const defrag = await runCli(['keys', 'clean', 'run-c', '--endpoints', member.clientUrl, '--defrag'], { timeoutMs: 120_000 });
    expect(defrag.code, defrag.stderr).toBe(0);
    expect(defrag.stderr).toContain('keys: 0 deleted under etcdlab/run-c/');
    expect(defrag.stderr).toContain(`defragmented ${member.clientUrl} in`);
    const line = /space: compacted and defragmented in [\d.]+ s; ([\d.]+) MB of database files given back/.exec(defrag.stderr);
    expect(line, defrag.stderr).not.toBeNull();
    const after = await client.status(member.clientUrl, 10_000);
    // The file shrank to about what is in use, and the figure printed is that drop.
    expect(after.dbSize).toBeLessThan(written.dbSize / 4);
    expect(Number(line![1])).toBeGreaterThan(((written.dbSize - after.dbSize) / 1e6) * 0.9);
    expect(defrag.stderr).toMatch(new RegExp(`${member.clientUrl.replace(/[.:/]/g, '\\$&')}: database [\\d.]+ MB -> [\\d.]+ MB`));
    expect(await client.get(Buffer.from('other/keep'), { serializable: false }, 10_000)).toEqual(Buffer.from('kept'));
  }, 180_000);

  it('run refuses --defrag when the keys are kept, before anything starts', async () => {
    const r = await runCli(['run', '--endpoints', member.clientUrl, '-w', 'workloads/smoke.yaml', '--keep-keys', '--defrag'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_OPTION_INVALID');
    expect(r.stderr).toContain('keys clean RUN_ID --endpoints ... --defrag');
  }, 60_000);
});

import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntervalReport } from '@etcdlab/common';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSpool, type SpoolItem } from '../src/spool.js';
import { SpoolStore } from '../src/spool-store.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'etcdlab-spool-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const report = (seq: number, instance = 'i1', count = 1): IntervalReport => ({ runId: 'r', agentId: 'a', instance, seq, phase: 'p', intervalStartMs: 1000 * seq, intervalMs: 1000, ops: [{ op: 'put', count, errors: {}, histogram: '' }], cpuUs: 0, lateStarts: 0 });
const item = (seq: number, instance = 'i1'): SpoolItem => ({ event: 'interval', payload: report(seq, instance) });
const seqs = (items: { item: SpoolItem }[]) => items.map((s) => ('seq' in s.item.payload ? s.item.payload.seq : -1));

describe('SpoolStore: the durable agent spool', () => {
  it('gives a new process the reports an earlier one left, in order, then its checkpoint', async () => {
    const dir = tempDir();
    const first = new SpoolStore(dir, logger);
    for (const k of [0, 1, 2]) await first.write(item(k));
    await first.checkpoint([report(3, 'i1', 7)]);
    const next = new SpoolStore(dir, logger).recover();
    expect(seqs(next)).toEqual([0, 1, 2, 3]);
    expect(next[3]!.item.payload).toMatchObject({ seq: 3, ops: [{ count: 7 }] });
    // The checkpoint became an ordinary report file: its acknowledgement removes it like the others.
    expect(readdirSync(dir).filter((n) => n === 'checkpoint.json')).toEqual([]);
    expect(readdirSync(dir).length).toBe(4);
  });

  it('drops a checkpoint that a later report of the same instance superseded', async () => {
    const dir = tempDir();
    const s = new SpoolStore(dir, logger);
    await s.checkpoint([report(5)]);
    await s.write(item(5)); // the close of the same interval, written before the checkpoint was cleared
    expect(seqs(new SpoolStore(dir, logger).recover())).toEqual([5]);
  });

  it('removes unreadable and expired files and keeps the rest', async () => {
    const dir = tempDir();
    const s = new SpoolStore(dir, logger, { maxFiles: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const old = await s.write(item(0));
    await s.write(item(1));
    writeFileSync(join(dir, '0000000000000009-interval.json'), '{ not json');
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    expect(seqs(new SpoolStore(dir, logger, { maxFiles: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 }).recover())).toEqual([1]);
    expect(readdirSync(dir).length).toBe(1);
  });

  it('over its file bound gives up the oldest report', async () => {
    const dir = tempDir();
    const s = new SpoolStore(dir, logger, { maxFiles: 3, maxBytes: 1 << 20, maxAgeMs: 60_000 });
    for (const k of [0, 1, 2, 3, 4]) await s.write(item(k));
    expect(seqs(new SpoolStore(dir, logger).recover())).toEqual([2, 3, 4]);
  });
});

describe('ReportSpool with a store', () => {
  it('writes each report before sending it, removes it once acknowledged, and resends an unacknowledged one', async () => {
    const dir = tempDir();
    const store = new SpoolStore(dir, logger);
    const sent: number[] = [];
    let fail = 1;
    const spool = new ReportSpool(
      async (it) => {
        sent.push('seq' in it.payload ? it.payload.seq : -1);
        // The file is on disk while its send is in flight.
        expect(readdirSync(dir).some((n) => n.endsWith('-interval.json'))).toBe(true);
        if (fail-- > 0) throw new Error('no ack');
        return { ok: true };
      },
      logger,
      store,
      5,
    );
    spool.push(item(0));
    spool.push(item(1));
    await spool.drained();
    expect(sent).toEqual([0, 0, 1]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember, freePort } from '../../agent/test/helpers/etcd-member.js';
import { createTestPki } from '../../agent/test/helpers/tls-certs.js';
import { type MetricsSample, startMetricsScraper } from '../src/metrics/index.js';
import { etcdWindow } from '../src/report/model/etcd-health.js';

let member: EtcdMember;
let dir: string;
beforeAll(async () => {
  member = await EtcdMember.start();
  dir = mkdtempSync(join(tmpdir(), 'etcdlab-scrape-'));
});
afterAll(async () => {
  await member?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A put through etcd's own JSON gateway (/v3/kv/put): the member does real WAL fsyncs. */
async function put(i: number): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const res = await fetch(`${member.clientUrl}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(`scrape-test/${i}`), value: b64('x'.repeat(100)) }), signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
}

const lines = (file: string): MetricsSample[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsSample);

describe('scraping etcd /metrics on the run clock', () => {
  it('records a real member\'s series, and a member that does not answer', async () => {
    const closedPort = await freePort();
    const intervalMs = 400;
    const runBaseMs = Math.floor(Date.now() / 1000) * 1000;
    const scraper = startMetricsScraper({
      targets: [
        { member: 'm1', url: `${member.clientUrl}/metrics` },
        { member: 'gone', url: `http://127.0.0.1:${closedPort}/metrics` },
      ],
      runDir: dir,
      intervalMs,
      runBaseMs,
    });
    // The first scrape must precede the puts (it is the window's start): wait until it is written, at most 5 s.
    const m1File = join(dir, 'metrics', 'm1.jsonl');
    for (let i = 0; i < 100 && !(existsSync(m1File) && readFileSync(m1File, 'utf8').includes('\n')); i++) await sleep(50);
    // A bounded load: 40 puts, then a little more than one interval so a scrape follows them.
    for (let i = 0; i < 40; i++) await put(i);
    await sleep(intervalMs * 2 + 100);
    const stats = await scraper.stop();

    const m1 = lines(join(dir, 'metrics', 'm1.jsonl'));
    expect(m1.length).toBeGreaterThanOrEqual(4);
    expect(m1.every((s) => s.ok && s.member === 'm1')).toBe(true);
    // Scheduled scrapes fall on the run's grid (base + k x interval); the first is at start, the last at stop.
    const ks = m1.slice(1, -1).map((s) => (s.t - runBaseMs) / intervalMs);
    for (const k of ks) expect(Math.abs(k - Math.round(k)) * intervalMs).toBeLessThan(250);
    expect(new Set(ks.map(Math.round)).size).toBe(ks.length);

    const first = m1[0] as MetricsSample;
    const last = m1[m1.length - 1] as MetricsSample;
    expect(first.metrics?.etcd_server_has_leader?.[0]?.value).toBe(1);
    expect(last.metrics?.etcd_mvcc_db_total_size_in_bytes?.[0]?.value).toBeGreaterThan(0);
    const fsyncCount = (s: MetricsSample) => s.metrics?.etcd_disk_wal_fsync_duration_seconds?.[0]?.count ?? 0;
    expect(fsyncCount(last) - fsyncCount(first)).toBeGreaterThanOrEqual(40);

    // The report's figures over the window of the puts.
    const w = etcdWindow('m1', m1, first.t, last.t);
    expect(w.fsyncCount).toBeGreaterThanOrEqual(40);
    expect(w.fsyncP99Ms).toBeGreaterThan(0);
    expect(w.commitCount).toBeGreaterThan(0);
    expect(w.proposalsCommitted).toBeGreaterThanOrEqual(40);
    expect(w.leaderChanges).toBe(0);
    expect(w.hasLeaderMin).toBe(1);

    const gone = lines(join(dir, 'metrics', 'gone.jsonl'));
    expect(gone.length).toBeGreaterThanOrEqual(2);
    expect(gone.every((s) => !s.ok && /ECONNREFUSED/.test(s.error ?? ''))).toBe(true);
    expect(stats.failures).toBe(gone.length);
    expect(JSON.parse(readFileSync(join(dir, 'metrics', 'targets.json'), 'utf8'))).toEqual({ intervalMs, targets: [{ member: 'm1', url: `${member.clientUrl}/metrics` }, { member: 'gone', url: `http://127.0.0.1:${closedPort}/metrics` }] });
  });

  it('scrapes a member behind TLS with client certificates, with the run\'s TLS files', async () => {
    const pki = await createTestPki();
    const secure = await EtcdMember.start({ tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, trustedCaFile: pki.caFile, clientCertAuth: true } });
    const tlsDir = mkdtempSync(join(tmpdir(), 'etcdlab-scrape-tls-'));
    try {
      const target = [{ member: 'secure', url: `${secure.clientUrl}/metrics` }];
      const withCerts = startMetricsScraper({ targets: target, runDir: tlsDir, intervalMs: 500, runBaseMs: Date.now(), tls: { ca: pki.ca.toString(), cert: pki.clientCert.toString(), key: pki.clientKey.toString() } });
      await sleep(300);
      await withCerts.stop();
      const ok = lines(join(tlsDir, 'metrics', 'secure.jsonl'));
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(ok.every((x) => x.ok && x.metrics?.etcd_server_has_leader?.[0]?.value === 1)).toBe(true);
      // Without the client certificate the member refuses: recorded as failed scrapes, nothing thrown.
      rmSync(join(tlsDir, 'metrics'), { recursive: true, force: true });
      const without = startMetricsScraper({ targets: target, runDir: tlsDir, intervalMs: 500, runBaseMs: Date.now(), tls: { ca: pki.ca.toString() } });
      await sleep(300);
      expect((await without.stop()).failures).toBeGreaterThanOrEqual(2);
      expect(lines(join(tlsDir, 'metrics', 'secure.jsonl')).every((x) => !x.ok && (x.error ?? '').length > 0)).toBe(true);
    } finally {
      await secure.destroy();
      await pki.remove();
      rmSync(tlsDir, { recursive: true, force: true });
    }
  });
});

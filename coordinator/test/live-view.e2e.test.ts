/**
 * End to end, with the real CLI: a short quickstart (real etcd, real agents) with the live view on an
 * ephemeral loopback port. /metrics is scraped through the run and read strictly; the live page is
 * loaded in headless Chromium while the run goes on; at the end the last scrape's counts are the
 * summary's, the port is closed and the process has exited. Bad --metrics-listen values start nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, ensureChromium, launchChromium } from './helpers/chromium.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { parseStrict, type StrictFamily, valueOf } from './helpers/prom-strict.js';

const WORKLOAD = `name: live-view
phases:
  - name: writes
    ops: { put: 1 }
    clients: 2
    total: 400
    keys: { prefix: live, distribution: sequential, space: 400 }
  - name: mixed
    ops: { get: 70, put: 30 }
    clients: 4
    duration: 6s
    keys: { prefix: live, distribution: uniform, space: 400 }
  - name: open
    ops: { put: 1 }
    clients: 4
    rate: 200
    duration: 3s
    keys: { prefix: open, distribution: uniform, space: 400 }
`;

const bin = join(repoRoot, 'coordinator', 'bin', 'etcdlab.js');
let tmp: string;
let browser: Browser | undefined;

beforeAll(async () => {
  ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), 'etcdlab-live-e2e-'));
  writeFileSync(join(tmp, 'live.yaml'), WORKLOAD);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** GET over loopback, bounded; undefined when nothing answers (before the view opens, after it closes). */
function get(url: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess): Promise<number | null> => new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (code) => r(code))));

/** Every counter and histogram series of `later` is at least what it was in `earlier`. */
function expectMonotonic(earlier: Map<string, StrictFamily>, later: Map<string, StrictFamily>): number {
  let checked = 0;
  for (const fam of earlier.values()) {
    if (fam.type === 'gauge') continue;
    for (const s of fam.samples) {
      if (s.name.endsWith('_sum')) continue;
      const now = valueOf(later, s.name, s.labels);
      expect(now, `${s.name} ${JSON.stringify(s.labels)} is gone`).toBeDefined();
      expect(now as number, `${s.name} ${JSON.stringify(s.labels)} went down`).toBeGreaterThanOrEqual(s.value);
      checked++;
    }
  }
  return checked;
}

describe('live view during a run', () => {
  it('serves /metrics and the live page while the run goes on, and closes with it', async () => {
    const results = join(tmp, 'results');
    const child = spawn(process.execPath, [bin, 'quickstart', '--members', '1', '--agents', '2', '-w', join(tmp, 'live.yaml'), '--results', results, '--json', '--metrics-listen', '127.0.0.1:0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    const done = exited(child);
    let finished = false;
    void done.then(() => (finished = true));

    // The URL is printed on stderr before anything starts.
    let url: string | undefined;
    for (let i = 0; i < 100 && !url && !finished; i++) {
      url = /live view: (http:\/\/127\.0\.0\.1:\d+\/) \(metrics at \/metrics\)/.exec(stderr)?.[1];
      if (!url) await sleep(100);
    }
    expect(url, stderr).toBeDefined();
    const base = url as string;

    // Scrapes every 250 ms until the run ends, each read strictly (a bad line throws here).
    const scrapes: Map<string, StrictFamily>[] = [];
    const scraping = (async () => {
      while (!finished) {
        const r = await get(`${base}metrics`);
        if (r) {
          expect(r.status).toBe(200);
          scrapes.push(parseStrict(r.body));
        }
        await sleep(250);
      }
    })();

    // The live page in a real browser, while the mixed phase runs: a throughput above 0 and both agents.
    for (let i = 0; i < 300 && !finished; i++) {
      const j = await get(`${base}live.json`);
      const live = j ? (JSON.parse(j.body) as { running?: string; series?: { latest?: { okPerSec: number } } }) : undefined;
      if (live?.running === 'mixed' && (live.series?.latest?.okPerSec ?? 0) > 0) break;
      await sleep(100);
    }
    const page = await (browser as Browser).page();
    await page.goto(base, { timeout: 10_000 });
    await page.waitForFunction(() => Number((document.getElementById('throughput')?.textContent ?? '').replace(/,/g, '')) > 0, undefined, { timeout: 10_000 });
    const throughput = Number(((await page.textContent('#throughput')) ?? '').replace(/,/g, ''));
    expect(throughput).toBeGreaterThan(0);
    const agents = await page.$$eval('#agents tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(agents.map((a) => [a[0], a[3]])).toEqual([['agent-1', 'yes'], ['agent-2', 'yes']]);
    expect(await page.textContent('#timeline')).toContain('mixed · running');
    const opsShown = await page.$$eval('#ops tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    expect(opsShown.sort()).toEqual(['get', 'put']);
    await page.close();

    const code = await done;
    clearTimeout(killer);
    await scraping;
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as RunSummary;

    // Several scrapes during the run, counters and histograms never going down from one to the next.
    expect(scrapes.length).toBeGreaterThan(10);
    let checked = 0;
    for (let i = 1; i < scrapes.length; i++) checked += expectMonotonic(scrapes[i - 1] as Map<string, StrictFamily>, scrapes[i] as Map<string, StrictFamily>);
    expect(checked).toBeGreaterThan(100);

    // The last scrape, after the last phase ended: every phase completed, its counts those of summary.json.
    const last = scrapes.at(-1) as Map<string, StrictFamily>;
    for (const p of summary.phases) {
      expect(valueOf(last, 'etcdlab_phase_state', { phase: p.name, state: 'completed' }), p.name).toBe(1);
      for (const [op, s] of Object.entries(p.ops) as [string, RunSummary['phases'][number]['all']][]) {
        expect(valueOf(last, 'etcdlab_requests_total', { phase: p.name, op }), `${p.name}/${op}`).toBe(s.count);
        expect(valueOf(last, 'etcdlab_request_duration_seconds_count', { phase: p.name, op }), `${p.name}/${op}`).toBe(s.count);
        for (const [c, n] of Object.entries(s.errorsByCode)) expect(valueOf(last, 'etcdlab_errors_total', { phase: p.name, op, code: c })).toBe(n);
      }
      expect(p.all.count).toBeGreaterThan(0);
    }
    // No phase or op in the scrape that the summary does not have.
    for (const s of last.get('etcdlab_requests_total')?.samples ?? []) expect(summary.phases.find((p) => p.name === s.labels['phase'])?.ops[s.labels['op'] as string]?.count).toBe(s.value);
    // Open loop: the rate asked was shown while it ran; etcd's health and the agents are there.
    expect(scrapes.some((f) => valueOf(f, 'etcdlab_rate_asked_ops_per_second', { phase: 'open' }) === 200)).toBe(true);
    expect(scrapes.some((f) => (valueOf(f, 'etcdlab_rate_reached_ops_per_second', { phase: 'open' }) ?? 0) > 0)).toBe(true);
    expect(last.get('etcdlab_etcd_is_leader')?.samples.map((s) => s.value)).toEqual([1]);
    expect(valueOf(last, 'etcdlab_agents_connected', {})).toBeGreaterThanOrEqual(0);
    expect(last.get('etcdlab_agent_clock_offset_seconds')?.samples).toHaveLength(2);

    // Closed with the run.
    expect(await get(`${base}metrics`)).toBeUndefined();
  });

  it('refuses a port in use and a bad address before anything starts (exit 2)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const results = join(tmp, 'refused');
      const inUse = await runCli(['quickstart', '--quick', '-w', join(tmp, 'live.yaml'), '--results', results, '--metrics-listen', `127.0.0.1:${port}`], { timeoutMs: 30_000 });
      expect(inUse.code, inUse.stderr).toBe(2);
      expect(inUse.stderr).toContain('E_PORT_IN_USE');
      expect(inUse.stderr).toContain('--metrics-listen');
      expect(inUse.stderr).not.toContain('starting a');
      expect(existsSync(results) ? readdirSync(results) : []).toEqual([]);
      const bad = await runCli(['quickstart', '--quick', '-w', join(tmp, 'live.yaml'), '--results', results, '--metrics-listen', '127.0.0.1:99999'], { timeoutMs: 30_000 });
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toContain('E_OPTION_INVALID');
      expect(bad.stderr).toContain('fix:');
    } finally {
      taken.close();
    }
  });
});

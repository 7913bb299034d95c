/**
 * End to end, with the real CLI: two short quickstart runs (1 and 3 members, real etcd, real agents),
 * their reports opened in a real headless Chromium, rebuilt from the folders, merged, and compared.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { histogramsEqual, newMergeHistogram, type RunSummary } from '@etcdlab/common';
import * as hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummaryTable } from '../src/output/summary-table.js';
import type { ReportModel } from '../src/report/index.js';
import { type Browser, ensureChromium, inkPixels, launchChromium } from './helpers/chromium.js';
import { runCli } from './helpers/cli.js';

const WORKLOAD = `name: short-suite
description: the standard suite, cut short for tests
phases:
  - name: sequential-writes
    ops: { put: 1 }
    clients: 1
    total: 1000
    keys: { prefix: suite, distribution: sequential, space: 1000 }
    quick: { total: 150 }
  - name: sequential-reads
    ops: { get: 1 }
    clients: 1
    total: 1000
    keys: { prefix: suite, distribution: sequential, space: 1000 }
    quick: { total: 150 }
  - name: concurrent-writes
    ops: { put: 1 }
    clients: 4
    total: 1000
    keys: { prefix: concurrent, distribution: sequential, space: 1000 }
    quick: { total: 300 }
  - name: mixed
    ops: { get: 70, put: 30 }
    clients: 4
    duration: 60s
    keys: { prefix: suite, distribution: uniform, space: 150 }
    quick: { duration: 2s }
rules:
  - { name: sequential put p99 under 2 s, phase: sequential-writes, op: put, metric: latency.p99, max: 2s }
  - { name: no errors in mixed, phase: mixed, metric: errors, max: 0 }
`;

let tmp: string;
const runs: { members: number; dir: string; summary: RunSummary }[] = [];
let browser: Browser | undefined;

const readJson = <T>(f: string): T => JSON.parse(readFileSync(f, 'utf8')) as T;
const reportFiles = (dir: string): Map<string, string> => {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name), `${rel}${e.name}/`) : out.set(`${rel}${e.name}`, readFileSync(join(d, e.name), 'utf8'));
  };
  walk(join(dir, 'report'), '');
  return out;
};

/** Every interval histogram of a folder's .hlog files, summed per tag, read by HdrHistogram's own reader. */
function hlogSums(dir: string): Map<string, hdr.Histogram> {
  const sums = new Map<string, hdr.Histogram>();
  for (const f of readdirSync(join(dir, 'agents')).filter((x) => x.endsWith('.hlog'))) {
    const reader = new hdr.HistogramLogReader(readFileSync(join(dir, 'agents', f), 'utf8'), 64, false);
    for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
      const tag = (h as unknown as { tag: string }).tag;
      const acc = sums.get(tag) ?? newMergeHistogram();
      acc.add(h);
      sums.set(tag, acc);
    }
  }
  return sums;
}

beforeAll(async () => {
  ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), 'etcdlab-report-e2e-'));
  writeFileSync(join(tmp, 'short.yaml'), WORKLOAD);
  for (const members of [1, 3]) {
    const r = await runCli(['quickstart', '--quick', '--members', String(members), '--workload', join(tmp, 'short.yaml'), '--results', join(tmp, 'results'), '--json'], { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    runs.push({ members, dir: summary.runDir, summary });
  }
  browser = await launchChromium();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('reports of real runs', () => {
  it('a run writes its report, its etcd metrics and a verdict on its rules', () => {
    for (const { dir, members } of runs) {
      for (const f of ['index.html', 'summary.md', 'report.json', 'churn_results.csv', 'csv/percentiles_mixed_get.csv']) expect(existsSync(join(dir, 'report', f)), f).toBe(true);
      const metrics = readdirSync(join(dir, 'metrics')).filter((f) => f.endsWith('.jsonl'));
      expect(metrics).toHaveLength(members);
      const model = readJson<ReportModel>(join(dir, 'report', 'report.json'));
      expect(model.etcd.run.map((w) => w.member)).toEqual(Array.from({ length: members }, (_, i) => `etcd-${i + 1}`));
      for (const w of model.etcd.run) expect(w.fsyncCount).toBeGreaterThan(0);
      expect(model.verdict.status).toBe('PASS');
      expect(model.verdict.results.map((r) => r.status)).toEqual(['pass', 'pass']);
    }
  });

  it('`etcdlab report` rebuilds byte-identical documents and prints the run\'s table', async () => {
    const { dir, summary } = runs[1] as (typeof runs)[number];
    const before = reportFiles(dir);
    const r = await runCli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(reportFiles(dir)).toEqual(before);
    expect(r.stdout).toContain(renderSummaryTable(summary, { color: false }));
    expect(r.stdout).toMatch(/verdict PASS: all \d+ rule result\(s\) passed/);
    expect(r.stderr).toMatch(/rendering charts: phase mixed/);
    // Options of --merge are refused without it, not silently ignored.
    const stray = await runCli(['report', '--out', join(dir, 'elsewhere'), '--mode', 'sequential', dir]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('E_OPTION_INVALID: --out and --mode apply only with --merge');
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });

  it('shows the numbers that the raw histograms give', () => {
    for (const { dir, summary } of runs) {
      const model = readJson<ReportModel>(join(dir, 'report', 'report.json'));
      const sums = hlogSums(dir);
      let checked = 0;
      for (const [tag, h] of sums) {
        const [phase, op] = tag.split('/') as [string, string];
        const stats = model.phases.find((p) => p.name === phase)?.ops[op];
        const fromRun = summary.phases.find((p) => p.name === phase)?.ops[op as 'put'];
        for (const [k, p] of [['p50', 50], ['p90', 90], ['p99', 99], ['p999', 99.9]] as const) {
          expect(stats?.latencyUs[k], `${tag} ${k}`).toBe(h.getValueAtPercentile(p));
          expect(fromRun?.latencyUs[k], `${tag} ${k} (summary.json)`).toBe(h.getValueAtPercentile(p));
        }
        expect(stats?.count).toBe(h.totalCount);
        expect(stats?.latencyUs.max).toBe(h.maxValue);
        checked++;
      }
      expect(checked).toBe(5);
    }
  });

  it('opens in Chromium with every chart drawn', async () => {
    const page = await (browser as Browser).page();
    const outside: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) outside.push(req.url());
    });
    await page.goto(`file://${join((runs[1] as (typeof runs)[number]).dir, 'report', 'index.html')}`);
    // The details are folded on the page; unfolded here so every chart is laid out and measured.
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    const charts = await page.$$eval('figure.chart', (figs) => figs.map((f) => ({ name: f.getAttribute('data-chart'), svgs: f.querySelectorAll('svg').length, paths: f.querySelectorAll('svg path').length, height: f.getBoundingClientRect().height })));
    expect(charts.length).toBeGreaterThanOrEqual(10);
    for (const c of charts) {
      expect(c.svgs, c.name ?? '').toBe(1);
      expect(c.paths, c.name ?? '').toBeGreaterThan(10);
      expect(c.height, c.name ?? '').toBeGreaterThan(150);
    }
    const shot = await page.screenshot({ fullPage: true });
    // Kept for a look when ETCDLAB_TEST_ARTIFACTS names a folder; else removed with the test's folder.
    writeFileSync(join(process.env.ETCDLAB_TEST_ARTIFACTS ?? tmp, 'report-page.png'), shot);
    // Each chart area holds drawn lines, bars and text, not an empty frame.
    const figures = await page.$$('figure.chart');
    const blank = await (browser as Browser).page();
    for (const [i, f] of figures.entries()) {
      const { width, height, ink } = await inkPixels(blank, await f.screenshot());
      expect(ink / (width * height), `${charts[i]?.name}: share of drawn pixels`).toBeGreaterThan(0.015);
    }
    expect(await page.textContent('#verdict .status')).toBe('PASS');
    expect(outside).toEqual([]);
  });

  it('merges the two runs\' raw data into the sum of both', async () => {
    const out = join(tmp, 'merged');
    const r = await runCli(['report', '--merge', (runs[0] as (typeof runs)[number]).dir, (runs[1] as (typeof runs)[number]).dir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const merged = readJson<ReportModel>(join(out, 'report', 'report.json'));
    const a = readJson<ReportModel>(join((runs[0] as (typeof runs)[number]).dir, 'report', 'report.json'));
    const b = readJson<ReportModel>(join((runs[1] as (typeof runs)[number]).dir, 'report', 'report.json'));
    for (const p of merged.phases)
      for (const [op, s] of Object.entries(p.ops)) {
        const pa = a.phases.find((x) => x.name === p.name)?.ops[op];
        const pb = b.phases.find((x) => x.name === p.name)?.ops[op];
        expect(s.count, `${p.name}/${op}`).toBe((pa?.count ?? 0) + (pb?.count ?? 0));
        expect(s.errors).toBe((pa?.errors ?? 0) + (pb?.errors ?? 0));
      }
    const sumA = hlogSums((runs[0] as (typeof runs)[number]).dir);
    const sumB = hlogSums((runs[1] as (typeof runs)[number]).dir);
    for (const [tag, h] of hlogSums(out)) {
      const expected = newMergeHistogram();
      for (const s of [sumA.get(tag), sumB.get(tag)]) if (s) expected.add(s);
      expect(histogramsEqual(h, expected), tag).toBe(true);
    }
    expect(merged.run.mergedFrom?.map((m) => m.runId)).toEqual(runs.map((x) => x.summary.runId));
  });

  it('compares the 1- and 3-member runs: table, scaling, HTML and PNG', async () => {
    const out = join(tmp, 'compare');
    const r = await runCli(['compare', ...runs.map((x) => x.dir), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const c = readJson<{ axis: string; rows: { x: number; roles: Record<string, unknown> }[]; scaling: { role: string }[]; usl: { note: string }[] }>(join(out, 'compare.json'));
    expect(c.axis).toBe('members');
    expect(c.rows.map((row) => row.x)).toEqual([1, 3]);
    expect(Object.keys(c.rows[0]?.roles ?? {}).sort()).toEqual(['concurrentWrite', 'mixed', 'sequentialRead', 'sequentialWrite']);
    expect(c.scaling.map((s) => s.role)).toEqual(['sequentialWrite', 'sequentialRead', 'concurrentWrite', 'mixed']);
    // Cluster sizes get no USL claim; the cost of replication is said instead.
    expect(c.usl).toEqual([]);
    expect(r.stdout).toContain('no USL fit across cluster sizes');
    expect(r.stdout).toMatch(/│ members │ run/);
    expect(r.stdout).toMatch(/sequential write: .* ops\/s with 1 members -> .* ops\/s with 3/);
    const png = readFileSync(join(out, 'compare.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2400, 1720]);
    copyFileSync(join(out, 'compare.png'), join(process.env.ETCDLAB_TEST_ARTIFACTS ?? tmp, 'compare.png'));
    const page = await (browser as Browser).page();
    await page.goto(`file://${join(out, 'compare.html')}`);
    expect(await page.$$eval('figure.chart svg path', (p) => p.length)).toBeGreaterThan(40);
    const { width, height, ink } = await inkPixels(await (browser as Browser).page(), png);
    expect(ink / (width * height)).toBeGreaterThan(0.03);
  });

  it('refuses what is not a results folder with a coded error, exit status 2', async () => {
    const missing = await runCli(['report', join(tmp, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error E_RESULTS_INVALID: .*nope is not a readable results folder/);
    expect(missing.stderr).toMatch(/fix: pass a folder written by `etcdlab run` or `quickstart`/);
    const one = await runCli(['compare', (runs[0] as (typeof runs)[number]).dir]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/E_OPTION_INVALID: compare needs two results folders or more/);
  });
});

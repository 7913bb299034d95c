/**
 * End to end: every preset in workloads/ run for real (--quick, on a local cluster), plus a run that
 * fails its rules, and each report opened in headless Chromium at 800 and 1,400 px: no overlapping or
 * escaping text in any chart, no chart without data, nothing wider than the window, a headline.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitStatus, type RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, ensureChromium, launchChromium } from './helpers/chromium.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { checkLayout } from './helpers/layout-check.js';

const FAILING = `name: failing-rules
description: a short put/get load whose rule cannot hold, so the report says FAIL
phases:
  - name: mixed
    ops: { get: 50, put: 50 }
    clients: 4
    duration: 3s
    keys: { prefix: failing, distribution: uniform, space: 100 }
rules:
  - { name: p99 under 10 microseconds, phase: mixed, op: put, metric: latency.p99, max: 0.01 }
  - { name: no errors, phase: mixed, metric: errors, max: 0 }
`;

const presets = readdirSync(join(repoRoot, 'workloads')).filter((f) => f.endsWith('.yaml')).sort();
let tmp: string;
let browser: Browser | undefined;
const artifacts = (): string => process.env.ETCDLAB_TEST_ARTIFACTS ?? tmp;

beforeAll(async () => {
  ensureChromium();
  tmp = mkdtempSync(join(tmpdir(), 'etcdlab-layout-e2e-'));
  writeFileSync(join(tmp, 'failing.yaml'), FAILING);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function runAndCheck(file: string, wantCode: number): Promise<RunSummary> {
  // Fault presets need 3 members; the others run on 1, to keep the test short.
  const members = file.includes('fault-') ? '3' : '1';
  const r = await runCli(['quickstart', '--quick', '--members', members, '--workload', file, '--results', join(tmp, 'results'), '--json'], { timeoutMs: 110_000 });
  expect(r.code, r.stderr.slice(-2000)).toBe(wantCode);
  const summary = JSON.parse(r.stdout) as RunSummary;
  const page = await (browser as Browser).page();
  try {
    for (const width of [800, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`file://${join(summary.runDir, 'report', 'index.html')}`);
      const layout = await checkLayout(page);
      expect(layout.problems, `${file} at ${width} px`).toEqual([]);
      expect(layout.charts, file).toBeGreaterThan(3);
      const headline = (await page.textContent('#verdict .headline')) ?? '';
      expect(headline, file).toMatch(/ on \d member\(s\): [\d,.]+ ops\/s in /);
      // A fault preset's headline says what clients felt, from the same figure as the Faults table.
      if (members === '3') expect(headline, file).toMatch(/longest stretch without a successful write \d+\.\d\d s \(/);
    }
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`file://${join(summary.runDir, 'report', 'index.html')}`);
    writeFileSync(join(artifacts(), `report-${file.split('/').pop()?.replace('.yaml', '')}.png`), await page.screenshot());
  } finally {
    await page.close();
  }
  return summary;
}

describe('every preset\'s report in a real browser', () => {
  for (const preset of presets)
    it(preset, async () => {
      await runAndCheck(join(repoRoot, 'workloads', preset), 0);
    }, 120_000);

  it('a run that fails its rules says FAIL at the top, with the failed rule', async () => {
    const summary = await runAndCheck(join(tmp, 'failing.yaml'), ExitStatus.rulesFailed);
    expect(summary.verdict?.status).toBe('FAIL');
    const page = await (browser as Browser).page();
    await page.goto(`file://${join(summary.runDir, 'report', 'index.html')}`);
    expect(await page.textContent('#verdict .status')).toBe('FAIL');
    expect(await page.textContent('#verdict')).toContain('p99 under 10 microseconds');
    await page.close();
  }, 120_000);
});

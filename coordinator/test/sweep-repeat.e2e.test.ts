/**
 * `sweep --clients ... --repeat 3` end to end on fresh local clusters (real etcd, real agents): six runs,
 * interleaved, compared as two points whose 95% intervals hold each of their runs' own figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsMatching, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdlab-sweep-repeat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Spread { n: number; mean: number; min: number; max: number; ci95?: [number, number] }
interface Compare {
  axis: string;
  rows: { runId: string; dir: string; x: number; main: { opsPerSec: number; p99Us: number } }[];
  points: { x: number; runIds: string[]; main: { opsPerSec: Spread; p99Us: Spread } }[];
  knee?: { best: { clients: number; opsPerSec: number } };
}

describe('sweep --repeat', () => {
  it('runs every point 3 times, interleaved, and compares means with intervals that hold each run', async () => {
    const wl = join(dir, 'wl.yaml');
    writeFileSync(wl, 'name: sweep-repeat\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 1, total: 300, value: { size: 64 } }\n');
    const results = join(dir, 'results');
    const r = await runCli(['sweep', '-w', wl, '--clients', '1,4', '--repeat', '3', '--cluster-members', '1', '--agents', '1', '--results', results, '--json'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    // Interleaved: rounds of every point.
    const order = [...r.stderr.matchAll(/\[(\d)\/6\] (\d) client\(s\), repeat (\d)\/3: sweep-repeat/g)].map((m) => `${m[2]}#${m[3]}`);
    expect(order).toEqual(['1#1', '4#1', '1#2', '4#2', '1#3', '4#3']);
    const c = JSON.parse(r.stdout) as Compare;
    expect(c.axis).toBe('clients');
    expect(c.rows).toHaveLength(6);
    expect(c.points.map((p) => [p.x, p.runIds.length])).toEqual([[1, 3], [4, 3]]);
    for (const p of c.points) {
      const own = c.rows.filter((row) => p.runIds.includes(row.runId));
      const s = p.main.opsPerSec;
      expect(s.n).toBe(3);
      expect(s.mean).toBeCloseTo(own.reduce((a, row) => a + row.main.opsPerSec, 0) / 3, 6);
      const [lo, hi] = s.ci95 as [number, number];
      for (const row of own) {
        expect(row.main.opsPerSec, `${row.runId} within [${lo}, ${hi}]`).toBeGreaterThanOrEqual(lo - 1e-6);
        expect(row.main.opsPerSec).toBeLessThanOrEqual(hi + 1e-6);
      }
    }
    // The knee reads the means, not a run.
    expect(c.points.map((p) => p.main.opsPerSec.mean)).toContain(c.knee?.best.opsPerSec);
    const human = await runCli(['compare', ...c.rows.map((row) => row.dir), '--out', join(dir, 'cmp')], { timeoutMs: 120_000 });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('repeats: mean ± 95% confidence interval (min–max of the runs)');
    expect(human.stdout).toMatch(/repeats: 3 run\(s\) at 1, 3 run\(s\) at 4/);
    expect(await pidsMatching(results)).toEqual([]);
  }, 320_000);
});

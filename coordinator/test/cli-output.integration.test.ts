/**
 * What the CLI prints reaches a pipe whole, however slowly the reader reads: `report --json | jq` of a
 * long run is more than a pipe holds (64 KiB), and the CLI must not exit before the rest is written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';
import { writeSyntheticRun } from './helpers/synthetic-run.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdlab-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('output into a slow pipe', () => {
  it('report --json of a long run arrives whole (far more than 64 KiB) to a reader that waits before reading', async () => {
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const phases = Array.from({ length: 6 }, (_, p) => ({
      name: `phase-${p}`,
      startOffsetMs: 1000 + p * 200_000,
      durationMs: 180_000,
      agents: [{ id: 'agent-1', clients: 1, intervals: Array.from({ length: 180 }, (_, i) => ({ ops: { put: { values: [500 + i, 700 + p] } } })) }],
    }));
    const run = join(dir, 'long');
    await writeSyntheticRun(run, { runId: 'long', baseTimeMs: base, phases });
    const child = spawn(process.execPath, ['coordinator/bin/etcdlab.js', 'report', run, '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    // Nobody reads for a second: the pipe fills and the rest waits in the CLI.
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1000));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const text = Buffer.concat(chunks).toString('utf8');
    expect(code).toBe(0);
    expect(text.length).toBeGreaterThan(200_000);
    expect(() => JSON.parse(text)).not.toThrow();
  }, 60_000);
});

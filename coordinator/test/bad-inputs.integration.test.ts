/**
 * The corpus of bad inputs (issue 11): inventories (ssh and docker), workloads, command lines and results
 * folders that must each be refused by the real CLI with a coded error naming the file and the field,
 * exit status 2, and nothing started: no results folder, no process left, no host contacted (every
 * address is in 198.18.0.0/15, which nothing answers, so a case that got through would hang past its
 * limit and fail), within 512 MB of heap. Cases live in helpers/bad-input-cases.ts; each one is its own test.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BadCase, badInputCases } from './helpers/bad-input-cases.js';
import { pidsMatching, runCli } from './helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'etcdlab-bad-'));
const cases: BadCase[] = badInputCases(join(scratch, 'cases'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const resultsDir = join(scratch, 'results');
const stateDir = join(scratch, 'state');
mkdirSync(resultsDir, { recursive: true });

async function check(c: BadCase): Promise<void> {
  // 512 MB of heap at most: a case that needs more crashes (not exit 2) and fails here.
  const r = await runCli(c.args, { cwd: scratch, env: { ETCDLAB_STATE_DIR: stateDir, DOCKER_HOST: `unix://${join(scratch, 'no-docker.sock')}`, NODE_OPTIONS: '--max-old-space-size=512' }, timeoutMs: 30_000 });
  const where = `etcdlab ${c.args.join(' ')}\n${r.stderr}`;
  expect(r.code, where).toBe(c.exit ?? 2);
  expect(r.stderr, where).toContain(`error ${c.code}`);
  for (const s of c.mentions) expect(r.stderr, where).toContain(s);
  // What came from the file never reaches the terminal raw; no stack trace.
  expect(r.stderr, where).not.toMatch(/\u001b/);
  expect(r.stderr, where).not.toMatch(/ at .*\.js:\d+:\d+/);
  // Nothing was started or written.
  expect(readdirSync(resultsDir), where).toEqual([]);
  expect(readdirSync(c.dir).filter((f) => f === 'results'), where).toEqual([]);
  expect(await pidsMatching(c.dir), where).toEqual([]);
}

describe('the corpus', () => {
  it('has at least 150 cases, every category well covered', () => {
    const by = (k: string) => cases.filter((c) => c.kind === k).length;
    expect(cases.length).toBeGreaterThanOrEqual(150);
    for (const k of ['inventory', 'docker', 'workload', 'file', 'cli', 'results']) expect(by(k), k).toBeGreaterThanOrEqual(8);
    expect(new Set(cases.map((c) => `${c.kind} ${c.name}`)).size).toBe(cases.length);
  });
});

// Each case is a CLI process: a few at a time.
describe.concurrent('bad input: a coded error naming the file and the field, exit 2, nothing started', () => {
  it.each(cases.map((c) => [`[${c.kind}] ${c.name}`, c] as const))('%s', async (_name, c) => check(c), 60_000);
});

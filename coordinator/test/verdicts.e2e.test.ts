/**
 * Verdicts and figures a CI gate can trust, end to end against a real etcd member through the CLI: a
 * failing rule exits 99 with the verdict and every rule's value and limit in the summary; `report` of the
 * folder agrees; the summary written by the run equals the one rebuilt from the folder; rules judge the
 * measure they name; an open loop that cannot reach its rate is flagged; watch events are not operations;
 * a --quick check that cannot hold says it is not a check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember } from '../../agent/test/helpers/etcd-member.js';
import { summarizeFolder } from '../src/report/write-report.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdlab-verdicts-'));
let member: EtcdMember;

function workload(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function run(file: string, extra: string[] = []): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const r = await runCli(['run', '--endpoints', `127.0.0.1:${member.clientPort}`, '-w', file, '--agents', '1', '--json', '--results', join(dir, 'results'), ...extra], { timeoutMs: 90_000 });
  return { code: r.code, summary: JSON.parse(r.stdout) as RunSummary, stderr: r.stderr };
}

beforeAll(async () => {
  member = await EtcdMember.start();
});
afterAll(async () => {
  await member?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('verdicts and figures end to end', () => {
  it('a failing rule: exit 99, the verdict with each rule\'s value and limit, and report agrees', async () => {
    const file = workload('fail', 'name: fail-rule\nphases:\n  - { name: writes, ops: { put: 1 }, clients: 2, total: 300, value: { size: 64 } }\nrules:\n  - { name: impossible, phase: writes, metric: throughput, min: 100000000 }\n  - { name: no-errors, phase: writes, metric: errors, max: 0 }\n');
    const { code, summary, stderr } = await run(file);
    expect(code, stderr).toBe(99);
    expect(summary.verdict.status).toBe('FAIL');
    expect(summary.verdict.results.map((r) => [r.rule, r.status])).toEqual([['impossible', 'fail'], ['no-errors', 'pass']]);
    const [impossible] = summary.verdict.results;
    expect(impossible?.limit).toEqual({ min: 100_000_000 });
    expect(impossible?.value).toBeCloseTo(summary.phases[0]!.all.throughputOpsPerSec, 6);
    expect(stderr).toContain('verdict FAIL: impossible (writes)');
    expect(summary.phases[0]).toMatchObject({ outcome: 'completed', all: { count: 300, errors: 0 } });

    // The summary the run wrote is the one the folder gives again, figure for figure.
    const written = JSON.parse(readFileSync(join(summary.runDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(written).toEqual(summary);
    expect(JSON.parse(JSON.stringify(summarizeFolder(summary.runDir).summary))).toEqual(written);
    const report = await runCli(['report', summary.runDir]);
    expect(report.code).toBe(99);
    expect(report.stdout).toContain('verdict FAIL');
  });

  it('rules judge the measure they name; an open loop that cannot reach its rate is flagged', async () => {
    // One client cannot do 4,000 puts/s on this machine: requests queue behind each other, so the time
    // from the intended start grows while the time from the send stays small.
    const file = workload(
      'open',
      'name: open-short\nphases:\n  - { name: open, ops: { put: 1 }, rate: 4000, clients: 1, connections: 1, duration: 2s, value: { size: 64 } }\nrules:\n  - { name: service-max, phase: open, metric: latency.max, measure: service, max: 5s }\n  - { name: response-max, phase: open, metric: latency.max, max: 1ms }\n',
    );
    const { code, summary, stderr } = await run(file);
    expect(code, stderr).toBe(99);
    const p = summary.phases[0]!;
    const put = p.ops.put!;
    expect(put.serviceUs).toBeDefined();
    expect(put.latencyUs.max).toBeGreaterThan(put.serviceUs!.max);
    const byName = Object.fromEntries(summary.verdict.results.map((r) => [r.rule, r]));
    expect(byName['service-max']).toMatchObject({ status: 'pass', measure: 'service', value: p.all.serviceUs!.max });
    expect(byName['response-max']).toMatchObject({ status: 'fail', measure: 'latency', value: p.all.latencyUs.max });
    // Asked and reached rate, in the summary, its warnings and the terminal table.
    expect(p.openLoop).toMatchObject({ requestedOpsPerSec: 4000, rateReached: false });
    expect(p.openLoop!.achievedOpsPerSec).toBeLessThan(3600);
    // The phase ends on time: what was still due at its end is dropped, not started late after it.
    expect(p.openLoop!.overran).toBe(false);
    expect(p.droppedStarts).toBeGreaterThan(0);
    expect(p.all.count + p.all.errors + p.droppedStarts).toBeGreaterThanOrEqual(7990);
    expect(p.all.count + p.all.errors + p.droppedStarts).toBeLessThanOrEqual(8000);
    expect(summary.warnings.some((w) => /phase open: rate not reached: \d+ of 4000\/s/.test(w))).toBe(true);
    expect(stderr).toMatch(/rate not reached/);
  });

  it('watch events are counted apart from the requests', async () => {
    const { code, summary, stderr } = await run('workloads/benchmark-watch-latency.yaml', ['--quick']);
    expect(code, stderr).toBe(0);
    const p = summary.phases[0]!;
    const requests = Object.entries(p.ops).filter(([op]) => !op.startsWith('watch-event')).reduce((a, [, s]) => a + (s?.count ?? 0), 0);
    expect(p.all.count).toBe(requests);
    expect(p.ops.put?.count).toBe(200);
    // 200 puts on one key, 100 watchers: 20,000 events, none of them an operation.
    expect(p.events?.count).toBe(20_000);
    expect(p.all.throughputOpsPerSec).toBeCloseTo(p.all.count / (p.durationMs / 1000), 6);
    expect(p.events!.latencyUs!.p50).toBeGreaterThan(0);
  });

  it('--quick of a check whose rules cannot hold at quick scale is not a check', async () => {
    const { code, summary, stderr } = await run('workloads/check-perf-m.yaml', ['--quick']);
    expect(code, stderr).toBe(0);
    expect(summary.verdict.status).toBe('NOT_A_CHECK');
    expect(summary.verdict.reason).toMatch(/needs 901 ops\/s but quick phase check asks for 300\/s/);
    expect(stderr).toContain('verdict NOT A CHECK');
    expect(summary.verdict.results.length).toBe(4);
  });
});

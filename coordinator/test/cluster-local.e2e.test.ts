/**
 * The first seed's local flow end to end: `quickstart --keep` leaves a 3-member cluster, and the `cluster`
 * commands manage it by its run folder like a docker or ssh cluster: status, test, logs, down, up on the
 * kept data, restart in place, restart with another size (--wipe only), clean. Every --dry-run is checked
 * to change nothing (the same pids, the same data).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { afterAll, describe, expect, it } from 'vitest';
import { findEtcdctlBinary } from '../../agent/test/helpers/etcd-member.js';
import { pidsMatching, runCli } from './helpers/cli.js';

interface State { status: string; members: { name: string; pid: number; clientUrl: string; dataDir: string }[] }

const results = mkdtempSync(join(tmpdir(), 'etcdlab-kept-'));
let dir = '';
const state = (): State => JSON.parse(readFileSync(join(dir, 'cluster', 'cluster.json'), 'utf8')) as State;
const alive = () => pidsMatching(join(dir, 'cluster'));
const etcdctl = (endpoints: string[], args: string[]): string => execFileSync(findEtcdctlBinary(), [`--endpoints=${endpoints.join(',')}`, ...args], { encoding: 'utf8', timeout: 20_000 });
const endpoints = () => state().members.map((m) => m.clientUrl);

/** Runs a command that must change nothing, and checks that the same members still run. */
async function dryRun(args: string[], expectInPlan: string): Promise<void> {
  const before = (await alive()).sort();
  const r = await runCli([...args, '--run-dir', dir, '--dry-run'], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('nothing will be changed (--dry-run)');
  expect(r.stderr).toContain(expectInPlan);
  expect((await alive()).sort(), `${args.join(' ')} --dry-run left the members as they were`).toEqual(before);
}

afterAll(async () => {
  if (dir) await runCli(['cluster', 'clean', '--run-dir', dir], { timeoutMs: 60_000 });
  rmSync(results, { recursive: true, force: true });
});

describe('a local cluster kept with --keep, managed by its run folder (end to end)', () => {
  it('status, test, logs, down, up, restart in place, restart N --wipe and clean; --dry-run never acts', async () => {
    const qs = await runCli(['quickstart', '--members', '3', '--agents', '1', '-w', 'workloads/smoke.yaml', '--keep', '--json', '--results', results], { timeoutMs: 150_000 });
    expect(qs.code, qs.stderr).toBe(0);
    dir = (JSON.parse(qs.stdout) as RunSummary).runDir;
    expect(qs.stderr).toContain('stop it with: npx etcdlab cluster down --run-dir');
    const first = state();
    expect(first.members.map((m) => m.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);

    // status: every member running and healthy, one leader; JSON too.
    const status = await runCli(['cluster', 'status', '--run-dir', dir, '--json'], { timeoutMs: 30_000 });
    expect(status.code, status.stderr).toBe(0);
    const reports = JSON.parse(status.stdout) as { name: string; healthy: boolean; state: string; status?: { leader: string; memberId: string } }[];
    expect(reports.map((r) => [r.name, r.state, r.healthy])).toEqual([['etcd-1', 'running', true], ['etcd-2', 'running', true], ['etcd-3', 'running', true]]);
    expect(new Set(reports.map((r) => r.status?.leader)).size).toBe(1);
    expect((await runCli(['cluster', 'status', '--run-dir', dir], { timeoutMs: 30_000 })).stdout).toContain('etcd-2');

    // test: a round trip through every member.
    const test = await runCli(['cluster', 'test', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout.trim().split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(3);

    // logs: one member's last lines (etcd's JSON log), every member's with headers, an unknown member refused.
    const logs = await runCli(['cluster', 'logs', 'etcd-2', '-n', '5', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(logs.code, logs.stderr).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => JSON.parse(l) !== null)).toBe(true);
    expect((await runCli(['cluster', 'logs', '-n', '1', '--run-dir', dir], { timeoutMs: 30_000 })).stdout.match(/^==> etcd-\d \(/gm)).toHaveLength(3);
    const nosuch = await runCli(['cluster', 'logs', 'etcd-9', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toContain('E_OPTION_INVALID');
    expect(nosuch.stderr).toContain('etcd-1, etcd-2, etcd-3');

    // A key to follow the data through down, up and restart.
    etcdctl(endpoints(), ['put', 'kept/key', 'survives']);

    // down: --dry-run first (nothing stops), then for real (every member gone, data kept).
    await dryRun(['cluster', 'down'], `stop etcd-1 (pid ${first.members[0]!.pid}`);
    const down = await runCli(['cluster', 'down', '--run-dir', dir], { timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(await alive()).toEqual([]);
    expect(first.members.every((m) => existsSync(m.dataDir))).toBe(true);
    const stopped = await runCli(['cluster', 'status', '--run-dir', dir, '--json'], { timeoutMs: 30_000 });
    expect(stopped.code, 'status of a stopped cluster is not healthy').toBe(1);
    expect((JSON.parse(stopped.stdout) as { state: string }[]).map((r) => r.state)).toEqual(['stopped', 'stopped', 'stopped']);

    // up: --dry-run changes nothing; then the members start on their data and ports.
    await dryRun(['cluster', 'up'], 'start etcd-1, etcd-2, etcd-3');
    const up = await runCli(['cluster', 'up', '--run-dir', dir], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(`cluster up: ${first.members.map((m) => m.clientUrl).join(',')}`);
    expect(etcdctl(endpoints(), ['get', 'kept/key', '--print-value-only']).trim()).toBe('survives');
    const afterUp = state();
    expect(afterUp.status).toBe('running');
    expect((await alive()).sort()).toEqual(afterUp.members.map((m) => m.pid).sort());
    expect((await runCli(['cluster', 'up', '4', '--run-dir', dir], { timeoutMs: 30_000 })).code, 'up with another size is refused').toBe(2);

    // restart in place: new pids, same ports, the data kept.
    await dryRun(['cluster', 'restart', '3'], 'start them again on their data and ports');
    const restart = await runCli(['cluster', 'restart', '3', '--run-dir', dir], { timeoutMs: 60_000 });
    expect(restart.code, restart.stderr).toBe(0);
    const afterRestart = state();
    expect(afterRestart.members.map((m) => m.clientUrl)).toEqual(first.members.map((m) => m.clientUrl));
    expect(afterRestart.members.every((m, i) => m.pid !== afterUp.members[i]!.pid)).toBe(true);
    expect(etcdctl(endpoints(), ['get', 'kept/key', '--print-value-only']).trim()).toBe('survives');

    // Another size needs --wipe (said with the fix); with it, a new 1-member cluster on empty data.
    const refused = await runCli(['cluster', 'restart', '1', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--wipe');
    await dryRun(['cluster', 'restart', '1', '--wipe'], 'remove their data and start a new 1-member cluster');
    const wiped = await runCli(['cluster', 'restart', '1', '--wipe', '--run-dir', dir], { timeoutMs: 60_000 });
    expect(wiped.code, wiped.stderr).toBe(0);
    expect(state().members).toHaveLength(1);
    expect(await alive()).toHaveLength(1);
    expect(etcdctl(endpoints(), ['get', 'kept/key', '--print-value-only']).trim()).toBe('');

    // -i and --run-dir together are refused.
    const both = await runCli(['cluster', 'status', '-i', 'inventory/docker.example.yaml', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give -i or --run-dir, not both');

    // clean: --dry-run keeps everything; then members and data are gone, the results stay.
    const last = state();
    await dryRun(['cluster', 'clean'], `remove ${last.members[0]!.dataDir}`);
    expect(existsSync(last.members[0]!.dataDir)).toBe(true);
    const clean = await runCli(['cluster', 'clean', '--run-dir', dir], { timeoutMs: 60_000 });
    expect(clean.code, clean.stderr).toBe(0);
    expect(await alive()).toEqual([]);
    expect(existsSync(last.members[0]!.dataDir)).toBe(false);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
    // up after clean: the data is gone, so it is refused with the command that makes a new cluster.
    const again = await runCli(['cluster', 'up', '--run-dir', dir], { timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain('E_RUN_DIR_INVALID');
    expect(again.stderr).toContain('--wipe');
    expect(await alive()).toEqual([]);
  }, 420_000);
});

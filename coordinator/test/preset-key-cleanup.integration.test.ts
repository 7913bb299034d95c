/**
 * Every preset in workloads/, run against a cluster given by --endpoints (the user's own), leaves the
 * cluster as it was found: the run's prefix holds no key afterwards, checked with etcdctl, and no preset
 * writes anywhere else. Short forms (--quick --duration 1s --total 200) keep this to a few seconds each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LASTING_ACTIONS, parseWorkload, type RunSummary } from '@etcdlab/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMember, findEtcdctlBinary } from '../../agent/test/helpers/etcd-member.js';
import { repoRoot, runCli } from './helpers/cli.js';

let member: EtcdMember;
const results = mkdtempSync(join(tmpdir(), 'etcdlab-presets-'));
beforeAll(async () => {
  member = await EtcdMember.start();
});
afterAll(async () => {
  await member?.destroy();
  rmSync(results, { recursive: true, force: true });
});

/** Keys under a prefix as etcdctl counts them ('' = the whole keyspace): its count is the range's, whatever the limit. */
const countKeys = (prefix: string): number =>
  Number((JSON.parse(execFileSync(findEtcdctlBinary(), [`--endpoints=${member.clientUrl}`, 'get', prefix === '' ? '' : prefix, ...(prefix === '' ? ['--from-key'] : ['--prefix']), '--keys-only', '--limit=1', '-w', 'json'], { encoding: 'utf8', timeout: 20_000 })) as { count?: number }).count ?? 0);

const presets = readdirSync(join(repoRoot, 'workloads')).filter((f) => f.endsWith('.yaml')).sort();

describe('run --endpoints with every preset deletes its keys at the end', () => {
  it('finds the presets', () => expect(presets.length).toBeGreaterThanOrEqual(10));

  for (const preset of presets) {
    const faults = parseWorkload(readFileSync(join(repoRoot, 'workloads', preset), 'utf8'), preset).phases.flatMap((p) => p.faults ?? []);
    if (faults.length) {
      // This cluster is one member given by --endpoints: etcdlab cannot kill or pause a member it did not
      // start, and one member has no follower to hand leadership to.
      const lasting = faults.some((f) => LASTING_ACTIONS.includes(f.action));
      it(`${preset}: its faults refused on a 1-member --endpoints cluster before anything is written`, async () => {
        const r = await runCli(['run', '--endpoints', member.clientUrl, '-w', `workloads/${preset}`, '--quick', '--agents', '1', '--results', results], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/error E_WORKLOAD_INVALID: .*faults/);
        expect(r.stderr).toMatch(lasting ? /the external provider cannot (kill|stop|pause|partition|delay|drop) a member/ : /a 1-member cluster has no follower/);
        expect(countKeys(''), 'keys anywhere in the cluster').toBe(0);
      });
      continue;
    }
    it(preset, async () => {
      // Both ends given: phases with a total take --total, every other (patterns included) --duration;
      // a phase with faults keeps its quick duration (its faults' timeline).
      const short = faults.length ? [] : ['--duration', '1s', '--total', '200'];
      const r = await runCli(['run', '--endpoints', member.clientUrl, '-w', `workloads/${preset}`, '--quick', ...short, '--agents', '1', '--json', '--results', results], { timeoutMs: 90_000 });
      // A preset's rules may say FAIL on this machine (exit 1): the cleanup is what is checked here.
      expect([0, 1], r.stderr).toContain(r.code);
      expect(r.stderr).not.toMatch(/error E_/);
      const s = JSON.parse(r.stdout) as RunSummary;
      const m = new RegExp(`keys: ([\\d,]+) deleted under etcdlab/${s.runId}/ in`).exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const written = s.phases.reduce((n, p) => n + (p.ops['put']?.count ?? 0), 0);
      if (written > 0) expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
      expect(countKeys(`etcdlab/${s.runId}/`), `keys left under etcdlab/${s.runId}/`).toBe(0);
      expect(countKeys(''), 'keys anywhere in the cluster').toBe(0);
    }, 120_000);
  }
});

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkload, planPhase } from '@etcdlab/common';
import { EtcdMember } from './helpers/etcd-member.js';
import { newNamespace, runPlan } from './helpers/phase-harness.js';

const dir = fileURLToPath(new URL('../../workloads/', import.meta.url));
const presets = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Every preset, in its --quick form, phase after phase, against one real etcd member: each phase runs
 * through the agent's real path (split over two agents when it has the clients for it), its reports add
 * up to its whole-phase histograms, and it records operations without errors.
 */
describe('every preset runs briefly against real etcd', () => {
  let member: EtcdMember;
  beforeAll(async () => {
    member = await EtcdMember.start({ extraArgs: ['--quota-backend-bytes', String(4 * 1024 ** 3)] });
  });
  afterAll(async () => {
    await member?.destroy();
  });

  it('finds the presets', () => expect(presets.length).toBeGreaterThanOrEqual(13));

  for (const file of presets) {
    it(`${file} (--quick)`, async () => {
      const w = parseWorkload(readFileSync(dir + file, 'utf8'), `workloads/${file}`, { quick: true });
      const ns = newNamespace();
      for (const p of w.phases) {
        const agents = p.clients >= 2 ? 2 : 1;
        const started = performance.now();
        const runs = await Promise.all(planPhase(p, agents, ns).map((plan, i) => runPlan(plan, [member.clientUrl], { agentId: `agent-${i + 1}` })));
        const seconds = (performance.now() - started) / 1000;
        for (const r of runs) expect(r.mismatches, `${p.name}`).toEqual([]);
        const count = runs.reduce((a, r) => a + r.summary.all.count, 0);
        const errors = runs.reduce((a, r) => a + r.summary.all.errors, 0);
        const byCode = runs.map((r) => r.summary.all.errorsByCode);
        expect(count, `${file} ${p.name}: no operation recorded`).toBeGreaterThan(0);
        expect(errors, `${file} ${p.name}: ${JSON.stringify(byCode)}`).toBe(0);
        if (p.total !== undefined) expect(count, p.name).toBe(p.total + runs.reduce((a, r) => a + (r.summary.ops['watch-create']?.count ?? 0), 0));
        // Bounded: a quick phase is over in seconds.
        expect(seconds, p.name).toBeLessThan(30);
      }
    });
  }
});

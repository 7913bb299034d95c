import { describe, expect, it } from 'vitest';
import type { RawRun } from '../src/report/raw/types.js';
import type { EtcdWindow } from '../src/report/model/types.js';
import { OUTAGE_TAIL_MS, trustWarnings } from '../src/report/model/warnings.js';

const T0 = 1_000_000;
/** Only what trustWarnings reads of a run: a completed run with one fault on etcd-1. */
function rawWith(failedAt: number[], action = 'kill'): RawRun {
  return {
    status: 'completed',
    integrity: { ok: true, mismatches: [] },
    agents: [],
    runWarnings: [],
    phases: [{ name: 'p', startedAtMs: T0, faults: [{ fault: 0, action, target: 'leader', members: ['etcd-1'], plannedMs: 1000, fromMs: T0 + 1000, toMs: T0 + 5000 }] }],
    metrics: [...failedAt.map((t) => ({ t: T0 + t, member: 'etcd-1', ok: false })), { t: T0, member: 'etcd-2', ok: true }],
  } as unknown as RawRun;
}
const window = (failedScrapes: number): EtcdWindow => ({ member: 'etcd-1', failedScrapes } as unknown as EtcdWindow);
const unreachable = (raw: RawRun, n: number) => trustWarnings(raw, [], [window(n)], []).filter((w) => w.kind === 'etcd-unreachable').map((w) => w.message);

describe('failed scrapes of a member faulted on purpose', () => {
  it('are no reason to doubt the run while the member is down and just after', () => {
    expect(unreachable(rawWith([1500, 3000, 5000 + OUTAGE_TAIL_MS - 1]), 3)).toEqual([]);
  });
  it('are warned of outside its windows, with the expected ones counted apart', () => {
    expect(unreachable(rawWith([2000, 5000 + OUTAGE_TAIL_MS + 1000]), 2)).toEqual(['etcd-1: 1 scrape(s) of /metrics failed outside its fault windows (1 more inside them, as expected): the member may have been unreachable']);
  });
  it('a fault that keeps the member up (compaction) explains nothing', () => {
    expect(unreachable(rawWith([2000], 'compact'), 1)).toEqual(['etcd-1: 1 scrape(s) of /metrics failed: the member may have been unreachable']);
  });
});

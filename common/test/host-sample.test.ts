import { describe, expect, it } from 'vitest';
import { hostSampleFrom, isOursByMarkers } from '../src/host/sample.js';
import { parseProcStat } from '../src/host/proc-stat.js';
import type { PidStat } from '../src/host/processes.js';
import { chooseSamplers } from '../../coordinator/src/run/host-sampling.js';

const stat = (user: number, idle: number, steal: number) => parseProcStat(`cpu  ${user} 0 0 ${idle} 0 0 0 ${steal} 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n`);
const proc = (pid: number, ticks: number, comm = 'p', start = 7): [number, PidStat] => [pid, { pid, comm, ppid: 1, ticks, start }];

describe('host samples', () => {
  it('computes CPU, steal and the busiest processes between two readings, marking ours', () => {
    const before = { stat: stat(100, 900, 0), procs: { stats: new Map([proc(10, 0, 'etcd'), proc(20, 0, 'stress'), proc(30, 0, 'node'), proc(40, 5, 'gone', 1)]), cmdlines: new Map() } };
    const after = {
      stat: stat(300, 1500, 200), // +1000 jiffies over 2 CPUs: 200 user, 600 idle, 200 steal
      procs: {
        stats: new Map([proc(10, 100, 'etcd'), proc(20, 300, 'stress'), proc(30, 50, 'node'), proc(40, 9, 'gone', 2)]),
        cmdlines: new Map([[10, '/usr/bin/etcd --data-dir /r/run-1/cluster/etcd-1/data'], [20, 'stress --cpu 1'], [30, 'node agent.js']]),
      },
      load1: 1.5,
      memAvailableMb: 900,
    };
    const s = hostSampleFrom({ runId: 'r', agentId: 'a', host: 'h', t: 5, selfPid: 30, markers: ['/r/run-1'] }, before, after);
    expect(s).toMatchObject({ cpuPct: 20, stealPct: 20, iowaitPct: 0, load1: 1.5, cpus: 2, memAvailableMb: 900 });
    // 500 jiffies per CPU in the interval: stress used 300 = 60% of a core.
    expect(s.top).toEqual([
      { name: 'stress', pid: 20, cpuPct: 60, foreign: true },
      { name: 'etcd', pid: 10, cpuPct: 20, foreign: false },
      { name: 'node', pid: 30, cpuPct: 10, foreign: false },
    ]);
  });

  it('markers, etcdlab itself and the sampler are ours', () => {
    expect(isOursByMarkers('/opt/etcdlab/node agent.js', 1, 2, [])).toBe(true);
    expect(isOursByMarkers('etcd --data-dir /var/lib/x/data', 1, 2, ['/var/lib/x'])).toBe(true);
    expect(isOursByMarkers('postgres', 2, 2, [])).toBe(true);
    expect(isOursByMarkers('postgres', 1, 2, ['/var/lib/x'])).toBe(false);
  });

  it('one sampler per host, a monitor where there is one', () => {
    const chosen = chooseSamplers([
      { agentId: 'a1', host: 'h1', role: 'agent', offsetMs: 0 },
      { agentId: 'a2', host: 'h1', role: 'agent', offsetMs: 0 },
      { agentId: 'm1', host: 'h2', role: 'monitor', offsetMs: 0 },
      { agentId: 'a3', host: 'h2', role: 'agent', offsetMs: 0 },
      { agentId: 'm3', host: 'h3', role: 'monitor', offsetMs: 0 },
    ]);
    expect(chosen.map((c) => c.agentId)).toEqual(['a1', 'm1', 'm3']);
  });
});

import { describe, expect, it } from 'vitest';
import { fsyncChart } from '../src/report/charts/health-charts.js';
import type { EtcdPoint, EtcdWindow, ReportModel } from '../src/report/model/types.js';

const START = Date.parse('2026-11-21T00:00:00Z');

/** Just what the health charts read: the run's start, one phase, etcd's windows and per-second points. */
function model(perSecondFsyncMs: number[], phaseFsyncP99Ms: number): ReportModel {
  const window = { member: 'etcd-1', fsyncP99Ms: phaseFsyncP99Ms } as EtcdWindow;
  const points = perSecondFsyncMs.map((v, i) => ({ offsetSec: i + 1, fsyncP99Ms: v }) as EtcdPoint);
  return {
    run: { startedAt: new Date(START).toISOString() },
    phases: [{ name: 'writes', startedAtMs: START, durationMs: 10_000, etcd: [window] }],
    etcd: { thresholds: { fsyncP99Ms: 10, commitP99Ms: 25 }, run: [window], timeline: { 'etcd-1': points } },
    hosts: [],
  } as unknown as ReportModel;
}

const subtitle = (m: ReportModel) => (fsyncChart(m) as { title: { subtext: string; subtextStyle: { color: string } } }).title;

describe('etcd health charts say what the verdict says', () => {
  it('a one-second spike over the line that no phase p99 reaches is named a spike, not flagged', () => {
    const t = subtitle(model([2, 3, 14.2, 2], 4));
    expect(t.subtext).toContain('one-second spikes up to 14.2 ms; every phase');
    expect(t.subtext).toContain('not flagged');
    expect(t.subtextStyle.color).toBe('#555'); // grey: nothing to alarm
  });

  it('a phase p99 over the threshold is flagged in words and colour', () => {
    const t = subtitle(model([12, 13, 14.2, 11], 13));
    expect(t.subtext).toContain('ABOVE 10 ms over a whole phase or the run');
    expect(t.subtextStyle.color).not.toBe('#555');
  });

  it('under the line everywhere: the worst second is given', () => {
    expect(subtitle(model([2, 3, 4.5], 4)).subtext).toContain('worst 4.50 ms, under 10 ms');
  });
});

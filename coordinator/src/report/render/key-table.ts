import { int, ms, rate } from '../../output/format.js';
import type { EtcdWindow, ReportModel } from '../model/types.js';

/**
 * The report's key table: one row per phase and op, the same columns and number formats as the table a
 * run prints at its end, so that the terminal, the HTML and the Markdown all show the same figures.
 */
export const KEY_HEAD = ['phase', 'op', 'count', 'errors', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'];
export const KEY_NUMERIC = [false, false, true, true, true, true, true, true, true, true];

export function keyTableRows(model: ReportModel): string[][] {
  const rows: string[][] = [];
  for (const p of model.phases) {
    const ops = Object.entries(p.ops);
    for (const [op, s] of ops) {
      const l = s.latencyUs;
      rows.push([p.name, op, int(s.count), int(s.errors), rate(s.throughputOpsPerSec), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max)]);
    }
    if (ops.length === 0) rows.push([p.name, '-', '0', '0', '0', '-', '-', '-', '-', '-']);
  }
  return rows;
}

/** The etcd health table: one row per phase and member (the whole run when no phase had samples). */
export const ETCD_HEAD = ['window', 'member', 'fsync p99 ms', 'commit p99 ms', 'leader changes', 'failed proposals', 'pending max', 'db MB', 'peer RTT p99 ms', 'etcd CPU cores', 'flags'];

const opt = (v: number | undefined, digits = 2) => (v === undefined ? '-' : v.toFixed(digits));

export function etcdRow(window: string, w: EtcdWindow): { cells: string[]; bad: Set<number> } {
  const bad = new Set<number>();
  for (const f of w.flags) {
    if (f.metric === 'wal fsync p99') bad.add(2);
    if (f.metric === 'backend commit p99') bad.add(3);
    if (f.metric === 'leader changes' || f.metric === 'has leader') bad.add(4);
    if (f.metric === 'proposals failed') bad.add(5);
  }
  return {
    cells: [
      window,
      w.member,
      opt(w.fsyncP99Ms),
      opt(w.commitP99Ms),
      String(w.leaderChanges),
      String(w.proposalsFailed),
      w.proposalsPendingMax === undefined ? '-' : String(w.proposalsPendingMax),
      w.dbSizeBytes === undefined ? '-' : (w.dbSizeBytes / 1024 / 1024).toFixed(1),
      opt(w.peerRttP99Ms),
      opt(w.cpuCores),
      w.flags.length ? w.flags.map((f) => f.metric).join(', ') : 'ok',
    ],
    bad,
  };
}

export function etcdRows(model: ReportModel): { cells: string[]; bad: Set<number> }[] {
  return [...model.phases.flatMap((p) => p.etcd.map((w) => etcdRow(p.name, w))), ...model.etcd.run.map((w) => etcdRow('whole run', w))];
}

/**
 * Every flag in words, phases first, then the whole run, without repeats: a whole-run flag that says
 * what a phase's flag already said (one phase, or all of it in one) is not said twice.
 */
export function allFlags(model: ReportModel): { level: 'bad' | 'warn'; message: string }[] {
  const seen = new Set<string>();
  const inPhases = new Set(model.phases.flatMap((p) => p.etcd.flatMap((w) => w.flags.map((f) => f.message))));
  const out: { level: 'bad' | 'warn'; message: string }[] = [];
  const add = (where: string, f: { level: 'bad' | 'warn'; message: string }) => {
    const message = `${where}: ${f.message}`;
    if (!seen.has(message)) {
      seen.add(message);
      out.push({ level: f.level, message });
    }
  };
  for (const p of model.phases) for (const w of p.etcd) for (const f of w.flags) add(p.name, f);
  for (const w of model.etcd.run) for (const f of w.flags) if (!inPhases.has(f.message)) add('whole run', f);
  for (const h of model.hosts) for (const f of h.flags) add('host', f);
  return out;
}

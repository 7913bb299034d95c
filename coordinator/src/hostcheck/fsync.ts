/**
 * The disk latency that matters to etcd: how long fdatasync takes after a small append (its WAL does
 * exactly that). etcd's docs recommend fio with `--rw=write --ioengine=sync --fdatasync=1 --size=22m
 * --bs=2300` and want the sync latency p99 under 10 ms. Without fio on the host, a small python3 or perl
 * probe does the same writes and times each sync itself; without either, `dd oflag=dsync` gives only an
 * average over all writes, and the result says so.
 */
export type FsyncMethod = 'fio' | 'python3' | 'perl' | 'dd';
export const FSYNC_METHODS: readonly FsyncMethod[] = ['fio', 'python3', 'perl', 'dd'];
export const FSYNC_BLOCK = 2300;

export interface FsyncResult {
  method: FsyncMethod;
  /** Syncs measured. */
  writes: number;
  /** undefined when the method only gives an average (dd). */
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  meanMs: number;
  /** False for dd: no per-write latencies, only the mean. */
  percentiles: boolean;
  note?: string;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** fio --output-format=json: jobs[0].sync.lat_ns (fio >= 3.5 reports fdatasync latency there). */
export function parseFioJson(text: string): FsyncResult {
  // fio may print warnings before the JSON document.
  const start = text.indexOf('{');
  const doc = JSON.parse(start >= 0 ? text.slice(start) : text) as { jobs?: { error?: number; sync?: { lat_ns?: { N?: number; mean?: number; max?: number; percentile?: Record<string, number> } } }[] };
  const job = doc.jobs?.[0];
  if (!job) throw new Error('fio output has no job');
  if (job.error) throw new Error(`fio job failed with error ${job.error}`);
  const lat = job.sync?.lat_ns;
  const pct = lat?.percentile;
  if (!lat || !pct || lat.N === undefined || lat.mean === undefined) throw new Error('fio output has no sync latency (fio older than 3.5?)');
  const p = (k: string) => {
    const v = pct[k];
    if (v === undefined) throw new Error(`fio output has no ${k} percentile`);
    return ms(v);
  };
  return { method: 'fio', writes: lat.N, p50Ms: p('50.000000'), p99Ms: p('99.000000'), maxMs: ms(lat.max ?? 0), meanMs: ms(lat.mean), percentiles: true };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** The python3/perl probes print each sync's latency in microseconds, comma-separated. */
export function parseProbeLatencies(text: string, method: 'python3' | 'perl'): FsyncResult {
  const us = text
    .trim()
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  if (us.length === 0 || us.some((x) => !Number.isFinite(x) || x < 0)) throw new Error(`unreadable ${method} probe output: ${text.trim().slice(0, 200)}`);
  const sorted = [...us].sort((a, b) => a - b);
  const toMs = (x: number) => Math.round(x) / 1000;
  return {
    method,
    writes: us.length,
    p50Ms: toMs(percentile(sorted, 50)),
    p99Ms: toMs(percentile(sorted, 99)),
    maxMs: toMs(sorted[sorted.length - 1] as number),
    meanMs: toMs(us.reduce((a, b) => a + b, 0) / us.length),
    percentiles: true,
    ...(method === 'perl' ? { note: 'perl times fsync (IO::Handle::sync), close to fdatasync for appends' } : {}),
  };
}

/** LC_ALL=C dd: "2300000 bytes (2.3 MB, 2.2 MiB) copied, 1.234 s, 1.9 MB/s"; the mean per write only. */
export function parseDdOutput(text: string, writes: number): FsyncResult {
  const m = /copied, ([\d.]+) s/.exec(text);
  if (!m || writes <= 0) throw new Error(`unreadable dd output: ${text.trim().slice(-200)}`);
  return {
    method: 'dd',
    writes,
    meanMs: Math.round((Number(m[1]) * 1e6) / writes) / 1000,
    percentiles: false,
    note: 'dd oflag=dsync gives only the average write+sync time, no p99: install fio (or python3) for the etcd disk check',
  };
}
